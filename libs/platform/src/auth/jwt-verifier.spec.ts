import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { BaseConfig } from '../config/base.config.js';
import { JsonLogger } from '../logging/json-logger.js';
import { JwtError, signJwt } from './jwt.js';
import { JwtVerifier } from './jwt-verifier.js';

const SECRET = 'verifier-unit-test-secret-at-least-32-characters';
const NOW = Date.parse('2026-11-23T10:00:00Z') / 1000;

function verifier(): JwtVerifier {
  return new JwtVerifier(
    Object.assign(new BaseConfig(), { JWT_SECRET: SECRET }),
    new JsonLogger('t', 'silent'),
  );
}

const token = (claims: Record<string, unknown>, secret = SECRET) =>
  signJwt({ sub: 'alice', roles: ['customer'], exp: NOW + 60, ...claims }, { alg: 'HS256', secret });

function refusal(verify: () => unknown): string | undefined {
  try {
    verify();
    return undefined;
  } catch (err) {
    if (err instanceof JwtError) return err.reason;
    throw err;
  }
}

describe('JwtVerifier (remembers verified tokens)', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('refuses a token it verified before once it has expired', () => {
    jest.useFakeTimers({ now: NOW * 1000 });
    const v = verifier();
    const t = token({ exp: NOW + 10 });
    expect(v.verify(t).actor.sub).toBe('alice');
    expect(v.verify(t).actor.sub).toBe('alice');
    jest.setSystemTime((NOW + 3600) * 1000);
    expect(refusal(() => v.verify(t))).toBe('expired');
  });

  it('refuses a token it verified before while it is not valid yet', () => {
    jest.useFakeTimers({ now: (NOW + 3600) * 1000 });
    const v = verifier();
    const t = token({ nbf: NOW + 3000, exp: NOW + 7200 });
    expect(v.verify(t).actor.sub).toBe('alice');
    jest.setSystemTime(NOW * 1000);
    expect(refusal(() => v.verify(t))).toBe('not_yet_valid');
  });

  it('checks the signature of a token that differs from a verified one in any byte', () => {
    jest.useFakeTimers({ now: NOW * 1000 });
    const v = verifier();
    const good = token({});
    expect(v.verify(good).actor.sub).toBe('alice');
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${token({}, 'another-secret-of-at-least-32-characters!!').split('.')[2]}`;
    expect(refusal(() => v.verify(forged))).toBe('invalid_signature');
    const otherClaims = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', roles: ['admin'], exp: NOW + 60 })).toString('base64url')}.${good.split('.')[2]}`;
    expect(refusal(() => v.verify(otherClaims))).toBe('invalid_signature');
  });
});
