import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  JwtError,
  MAX_TOKEN_LENGTH,
  signJwt,
  verifyJwt,
  type JwtFailure,
  type JwtVerifyOptions,
} from './jwt.js';

const SECRET = 'unit-test-secret-that-is-at-least-32-characters';
const NOW = 1_800_000_000;
const HS256: JwtVerifyOptions = { key: { alg: 'HS256', secret: SECRET }, nowSeconds: NOW };
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RS256: JwtVerifyOptions = { key: { alg: 'RS256', publicKey }, nowSeconds: NOW };

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'customer-1',
  roles: ['customer'],
  iat: NOW - 10,
  exp: NOW + 3600,
  ...extra,
});
const hs256 = (extra?: Record<string, unknown>) => signJwt(claims(extra), { alg: 'HS256', secret: SECRET });
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** Builds a token from raw parts, signing `header.payload` with HMAC-SHA256 under `secret`. */
const forgeHs256 = (header: unknown, payload: unknown, secret: string | Buffer = SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

function failure(token: string, options: JwtVerifyOptions = HS256): { reason: JwtFailure; status: number } {
  try {
    verifyJwt(token, options);
  } catch (err) {
    if (err instanceof JwtError) return { reason: err.reason, status: err.status };
    throw err;
  }
  throw new Error('the token was accepted');
}

describe('verifyJwt', () => {
  it('accepts a valid HS256 token and returns its actor and claims', () => {
    const verified = verifyJwt(hs256({ roles: ['customer', 'teller'] }), HS256);
    expect(verified.actor).toEqual({ sub: 'customer-1', roles: ['customer', 'teller'] });
    expect(verified.claims.exp).toBe(NOW + 3600);
  });

  it('accepts a valid RS256 token against the RSA public key', () => {
    const token = signJwt(claims({ roles: ['admin'] }), { alg: 'RS256', privateKey });
    expect(verifyJwt(token, RS256).actor).toEqual({ sub: 'customer-1', roles: ['admin'] });
  });

  it('refuses an RS256 token signed by another key pair', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const token = signJwt(claims(), { alg: 'RS256', privateKey: other });
    expect(failure(token, RS256)).toEqual({ reason: 'invalid_signature', status: 401 });
  });

  it('uses the system clock when no time is given', () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(claims({ iat: now, exp: now + 60 }), { alg: 'HS256', secret: SECRET });
    expect(verifyJwt(token, { key: HS256.key }).actor.sub).toBe('customer-1');
  });

  it('refuses an expired token, allowing 30 s of clock skew', () => {
    expect(failure(hs256({ exp: NOW - 31 }))).toEqual({ reason: 'expired', status: 401 });
    expect(failure(hs256({ exp: NOW - 30 })).reason).toBe('expired');
    expect(verifyJwt(hs256({ exp: NOW - 29 }), HS256).actor.sub).toBe('customer-1');
  });

  it('requires a numeric exp', () => {
    expect(failure(hs256({ exp: undefined })).reason).toBe('invalid_claims');
    expect(failure(hs256({ exp: String(NOW + 60) })).reason).toBe('invalid_claims');
  });

  it('refuses a token that is not valid yet, allowing 30 s of clock skew', () => {
    expect(failure(hs256({ nbf: NOW + 31 }))).toEqual({ reason: 'not_yet_valid', status: 401 });
    expect(verifyJwt(hs256({ nbf: NOW + 30 }), HS256).actor.sub).toBe('customer-1');
    expect(failure(hs256({ nbf: 'soon' })).reason).toBe('invalid_claims');
  });

  it('refuses a token signed with another secret', () => {
    const token = signJwt(claims(), {
      alg: 'HS256',
      secret: 'another-secret-that-is-at-least-32-characters',
    });
    expect(failure(token)).toEqual({ reason: 'invalid_signature', status: 401 });
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [header, , signature] = hs256().split('.');
    const tampered = `${header}.${b64(claims({ roles: ['admin'] }))}.${signature}`;
    expect(failure(tampered)).toEqual({ reason: 'invalid_signature', status: 401 });
  });

  it('refuses a token whose signature was truncated or stripped', () => {
    const token = hs256();
    expect(failure(token.slice(0, -3)).reason).toBe('invalid_signature');
    expect(failure(token.slice(0, token.lastIndexOf('.') + 1)).reason).toBe('malformed');
  });

  it('refuses an unsigned alg "none" token, with or without a signature segment', () => {
    const input = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`;
    expect(failure(`${input}.`)).toEqual({ reason: 'unsupported_algorithm', status: 401 });
    expect(failure(input).reason).toBe('malformed');
    expect(failure(`${b64({ alg: 'None' })}.${b64(claims())}.`).reason).toBe('unsupported_algorithm');
  });

  it('refuses an RS256 token when HS256 is configured', () => {
    const token = signJwt(claims(), { alg: 'RS256', privateKey });
    expect(failure(token, HS256)).toEqual({ reason: 'unsupported_algorithm', status: 401 });
  });

  it('refuses an HS256 token when RS256 is configured, even one "signed" with the public key', () => {
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    const confused = forgeHs256({ alg: 'HS256', typ: 'JWT' }, claims({ roles: ['admin'] }), pem);
    expect(failure(confused, RS256)).toEqual({ reason: 'unsupported_algorithm', status: 401 });
    expect(failure(hs256(), RS256).reason).toBe('unsupported_algorithm');
  });

  it('refuses other HMAC and asymmetric algorithms', () => {
    for (const alg of ['HS384', 'HS512', 'RS512', 'ES256', 'PS256', 'hs256']) {
      expect(failure(forgeHs256({ alg }, claims())).reason).toBe('unsupported_algorithm');
    }
    expect(failure(forgeHs256({ typ: 'JWT' }, claims())).reason).toBe('unsupported_algorithm');
  });

  it('refuses critical header extensions it does not understand', () => {
    expect(failure(forgeHs256({ alg: 'HS256', crit: ['b64'], b64: false }, claims())).reason).toBe(
      'malformed',
    );
  });

  it('requires a non-empty string sub', () => {
    expect(failure(hs256({ sub: undefined }))).toEqual({ reason: 'invalid_claims', status: 401 });
    expect(failure(hs256({ sub: '' })).reason).toBe('invalid_claims');
    expect(failure(hs256({ sub: 42 })).reason).toBe('invalid_claims');
  });

  it('answers 403 for an authentic token claiming a role this service does not grant', () => {
    expect(failure(hs256({ roles: ['customer', 'superuser'] }))).toEqual({
      reason: 'unknown_role',
      status: 403,
    });
    expect(failure(hs256({ roles: ['Admin'] })).reason).toBe('unknown_role');
  });

  it('refuses roles that are not an array of strings', () => {
    expect(failure(hs256({ roles: 'admin' }))).toEqual({ reason: 'invalid_claims', status: 401 });
    expect(failure(hs256({ roles: [1] })).reason).toBe('invalid_claims');
  });

  it('reads absent roles as none and removes duplicates', () => {
    expect(verifyJwt(hs256({ roles: undefined }), HS256).actor.roles).toEqual([]);
    expect(verifyJwt(hs256({ roles: ['teller', 'teller'] }), HS256).actor.roles).toEqual(['teller']);
  });

  it('checks iss and aud only when configured', () => {
    const options = { ...HS256, issuer: 'https://idp.example', audience: 'cqrs-bank' };
    expect(verifyJwt(hs256(), HS256).actor.sub).toBe('customer-1');
    expect(failure(hs256(), options).reason).toBe('wrong_issuer');
    expect(failure(hs256({ iss: 'https://idp.example' }), options).reason).toBe('wrong_audience');
    expect(failure(hs256({ iss: 'https://idp.example', aud: ['other'] }), options).reason).toBe(
      'wrong_audience',
    );
    for (const aud of ['cqrs-bank', ['other', 'cqrs-bank']]) {
      expect(verifyJwt(hs256({ iss: 'https://idp.example', aud }), options).actor.sub).toBe('customer-1');
    }
  });

  it.each([
    ['an empty string', ''],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['five segments (JWE)', 'a.b.c.d.e'],
    ['padding', `${b64({ alg: 'HS256' })}=.${b64(claims())}.abc`],
    ['standard base64 characters', `${b64({ alg: 'HS256' })}.${b64(claims())}.ab+/`],
    ['a non-canonical base64url segment', `${b64({ alg: 'HS256' })}.${b64(claims())}.AB`],
    ['an over-long token', `${b64({ alg: 'HS256' })}.${'A'.repeat(MAX_TOKEN_LENGTH)}.abc`],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(failure(token)).toEqual({ reason: 'malformed', status: 401 });
  });

  it('refuses a header that is not a JSON object', () => {
    for (const header of ['not json', '[1,2]', 'null', '"HS256"']) {
      expect(failure(`${b64(header)}.${b64(claims())}.abc`).reason).toBe('malformed');
    }
    expect(failure(`${Buffer.from([0xff, 0xfe]).toString('base64url')}.${b64(claims())}.abc`).reason).toBe(
      'malformed',
    );
  });

  it('refuses a correctly signed payload that is not a JSON object', () => {
    expect(failure(forgeHs256({ alg: 'HS256' }, 'not json')).reason).toBe('malformed');
    expect(failure(forgeHs256({ alg: 'HS256' }, '[1]')).reason).toBe('malformed');
  });

  it('never puts the token into its error messages', () => {
    const token = hs256({ exp: NOW - 100 });
    try {
      verifyJwt(token, HS256);
    } catch (err) {
      const message = (err as Error).message;
      for (const part of token.split('.')) expect(message).not.toContain(part);
    }
  });
});
