import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { BaseConfig } from '../config/base.config.js';
import { ConfigValidationError, loadConfig } from '../config/load-config.js';
import { DEV_JWT_SECRET, JwtConfigError, resolveJwtKey } from './jwt-key.js';

const SECRET = 'unit-test-secret-that-is-at-least-32-characters';
const rsaPem = (modulusLength = 2048) =>
  generateKeyPairSync('rsa', { modulusLength }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('resolveJwtKey', () => {
  it('uses HS256 with JWT_SECRET', () => {
    expect(resolveJwtKey({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toEqual({
      key: { alg: 'HS256', secret: SECRET },
      source: 'JWT_SECRET',
    });
  });

  it('uses RS256 with JWT_PUBLIC_KEY, also written on one line with \\n escapes', () => {
    const pem = rsaPem();
    for (const value of [pem, pem.replace(/\n/g, '\\n')]) {
      const resolved = resolveJwtKey({ NODE_ENV: 'production', JWT_PUBLIC_KEY: value });
      expect(resolved.source).toBe('JWT_PUBLIC_KEY');
      expect(resolved.key.alg).toBe('RS256');
    }
  });

  it('refuses both keys at once', () => {
    expect(() =>
      resolveJwtKey({ NODE_ENV: 'development', JWT_SECRET: SECRET, JWT_PUBLIC_KEY: rsaPem() }),
    ).toThrow(JwtConfigError);
  });

  it('refuses a public key that is not valid, not RSA, or too short', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const pem of ['-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----', ec, rsaPem(1024)]) {
      expect(() => resolveJwtKey({ NODE_ENV: 'development', JWT_PUBLIC_KEY: pem })).toThrow(JwtConfigError);
    }
  });

  it('refuses to start in production without a key', () => {
    expect(() => resolveJwtKey({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET.*JWT_PUBLIC_KEY/);
  });

  it('falls back to the development secret outside production', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(resolveJwtKey({ NODE_ENV })).toEqual({
        key: { alg: 'HS256', secret: DEV_JWT_SECRET },
        source: 'development-default',
      });
    }
    expect(DEV_JWT_SECRET).toMatch(/^dev-only-insecure-secret-change-me-/);
  });
});

describe('JWT settings in BaseConfig', () => {
  it('are unset by default and read from the environment', () => {
    const unset = loadConfig(BaseConfig, {});
    expect([unset.JWT_SECRET, unset.JWT_PUBLIC_KEY, unset.JWT_ISSUER, unset.JWT_AUDIENCE]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const set = loadConfig(BaseConfig, { JWT_SECRET: SECRET, JWT_ISSUER: 'idp', JWT_AUDIENCE: 'bank' });
    expect([set.JWT_SECRET, set.JWT_ISSUER, set.JWT_AUDIENCE]).toEqual([SECRET, 'idp', 'bank']);
    expect(loadConfig(BaseConfig, { JWT_PUBLIC_KEY: rsaPem() }).JWT_PUBLIC_KEY).toMatch(/BEGIN PUBLIC KEY/);
  });

  it('refuses a short secret without echoing it, and a public key that is not PEM', () => {
    expect(() => loadConfig(BaseConfig, { JWT_SECRET: 'too-short-secret' })).toThrow(ConfigValidationError);
    expect(() => loadConfig(BaseConfig, { JWT_SECRET: 'too-short-secret' })).not.toThrow(/too-short-secret/);
    expect(() => loadConfig(BaseConfig, { JWT_PUBLIC_KEY: '-----BEGIN PRIVATE KEY-----' })).toThrow(
      /JWT_PUBLIC_KEY/,
    );
  });
});
