import { describe, expect, it } from '@jest/globals';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BaseConfig } from '../config/base.config.js';
import { JsonLogger } from '../logging/json-logger.js';
import { AuthModule } from './auth.module.js';
import { JwtConfigError } from './jwt-key.js';
import { JwtVerifier } from './jwt-verifier.js';

/** Compiles AuthModule against a stand-in for PlatformModule's global providers. */
async function compile(
  settings: Partial<BaseConfig>,
): Promise<{ verifier: JwtVerifier; warnings: unknown[] }> {
  const warnings: unknown[] = [];
  const logger = new JsonLogger('auth-test', 'silent');
  logger.warn = (message: unknown) => void warnings.push(message);
  @Global()
  @Module({
    providers: [
      { provide: BaseConfig, useValue: Object.assign(new BaseConfig(), settings) },
      { provide: JsonLogger, useValue: logger },
    ],
    exports: [BaseConfig, JsonLogger],
  })
  class FakePlatform {}
  const moduleRef = await Test.createTestingModule({ imports: [FakePlatform, AuthModule] }).compile();
  return { verifier: moduleRef.get(JwtVerifier), warnings };
}

describe('AuthModule', () => {
  it('refuses to start in production with neither JWT_SECRET nor JWT_PUBLIC_KEY', async () => {
    await expect(compile({ NODE_ENV: 'production' })).rejects.toThrow(JwtConfigError);
  });

  it('refuses to start with both JWT_SECRET and JWT_PUBLIC_KEY', async () => {
    const settings = { JWT_SECRET: 'x'.repeat(32), JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' };
    await expect(compile(settings)).rejects.toThrow(/only one/);
  });

  it('falls back to the development secret outside production, warning once', async () => {
    const { verifier, warnings } = await compile({ NODE_ENV: 'development' });
    expect(verifier.algorithm).toBe('HS256');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toMatch(/development secret/);
  });

  it('starts silently with a configured secret', async () => {
    const { verifier, warnings } = await compile({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32) });
    expect(verifier.algorithm).toBe('HS256');
    expect(warnings).toEqual([]);
  });
});
