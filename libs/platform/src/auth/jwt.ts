import {
  createHmac,
  sign as rsaSign,
  timingSafeEqual,
  verify as rsaVerify,
  type KeyObject,
} from 'node:crypto';
import { isRole, type Actor, type Role } from './actor.js';

/**
 * Compact-JWS (JWT) verification with node:crypto only. Pure: no Nest, no
 * config, no clock unless none is given. A service accepts exactly one
 * algorithm — the one its key is for — so `alg: none` and algorithm-confusion
 * tokens (HS256 "signed" with an RSA public key) fail before any crypto runs.
 */

export type JwtAlgorithm = 'HS256' | 'RS256';

/** The single key, and so the single algorithm, a service verifies with. */
export type JwtVerificationKey =
  | { readonly alg: 'HS256'; readonly secret: string | Buffer }
  | { readonly alg: 'RS256'; readonly publicKey: KeyObject };

export type JwtSigningKey =
  | { readonly alg: 'HS256'; readonly secret: string | Buffer }
  | { readonly alg: 'RS256'; readonly privateKey: KeyObject | string };

export interface JwtVerifyOptions {
  key: JwtVerificationKey;
  /** Required `iss` when set. */
  issuer?: string;
  /** Required member of `aud` (a string or an array) when set. */
  audience?: string;
  /** Tolerance for clocks that disagree, applied to `exp` and `nbf`. Default 30 s. */
  clockSkewSeconds?: number;
  /** Current time in seconds since the epoch; defaults to the system clock. */
  nowSeconds?: number;
}

export interface VerifiedJwt {
  actor: Actor;
  /** Every claim of the payload, as signed. */
  claims: Readonly<Record<string, unknown>>;
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** Far above any token we mint; bounds the work an anonymous caller can cause. */
export const MAX_TOKEN_LENGTH = 8192;

export type JwtFailure =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'invalid_claims'
  | 'unknown_role';

/**
 * Why a token was refused. `status` is 401 when the token proves nothing
 * (malformed, unsigned, badly signed, out of date, not ours) and 403 when it
 * is authentic but claims a role this service does not grant. Messages are
 * safe to return to the caller: they never contain any part of the token.
 */
export class JwtError extends Error {
  readonly status: 401 | 403;

  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
    this.status = reason === 'unknown_role' ? 403 : 401;
  }
}

const malformed = () => new JwtError('malformed', 'The bearer token is malformed');
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict base64url: no padding, no stray characters, and the one canonical encoding of its bytes. */
function decodeSegment(segment: string): Buffer {
  if (!BASE64URL.test(segment)) throw malformed();
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) throw malformed();
  return bytes;
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  return value as Record<string, unknown>;
}

function signatureMatches(key: JwtVerificationKey, signingInput: Buffer, signature: Buffer): boolean {
  if (key.alg === 'HS256') {
    const expected = createHmac('sha256', key.secret).update(signingInput).digest();
    // The length is public (always 32 bytes for HS256); only the bytes are compared in constant time.
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  try {
    return rsaVerify('sha256', signingInput, key.publicKey, signature);
  } catch {
    return false;
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === 'string') return aud === expected;
  return Array.isArray(aud) && aud.includes(expected);
}

function rolesOf(value: unknown): Role[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string')) {
    throw new JwtError('invalid_claims', 'The bearer token\'s "roles" claim must be an array of strings');
  }
  if (!value.every(isRole)) {
    throw new JwtError('unknown_role', 'The bearer token claims a role this service does not grant');
  }
  return [...new Set(value)];
}

/**
 * Throws unless the claims' validity window (`exp`, `nbf`, with the clock
 * skew) holds now: the only part of a verification that changes with time,
 * so a verifier that remembers verified tokens repeats it on every use.
 */
export function assertValidNow(
  claims: Record<string, unknown>,
  options: Pick<JwtVerifyOptions, 'nowSeconds' | 'clockSkewSeconds'>,
): void {
  const now = options.nowSeconds ?? Date.now() / 1000;
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!isNumericDate(claims.exp)) {
    throw new JwtError('invalid_claims', 'The bearer token has no valid "exp" claim');
  }
  if (now >= claims.exp + skew) throw new JwtError('expired', 'The bearer token has expired');
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) {
      throw new JwtError('invalid_claims', 'The bearer token\'s "nbf" claim is not a number');
    }
    if (now + skew < claims.nbf) throw new JwtError('not_yet_valid', 'The bearer token is not valid yet');
  }
}

/**
 * Verifies a compact JWS and returns the actor it proves, or throws JwtError.
 * Checked in this order: shape, algorithm, signature, then claims (`exp`
 * required, `nbf` when present, `iss`/`aud` when configured, `sub` non-empty,
 * `roles` ⊆ customer/teller/admin). The payload is not parsed before its
 * signature is known to be good.
 */
export function verifyJwt(token: string, options: JwtVerifyOptions): VerifiedJwt {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw malformed();
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed();
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string];

  const header = parseJsonObject(decodeSegment(headerSegment));
  if (header.alg !== options.key.alg) {
    throw new JwtError(
      'unsupported_algorithm',
      `The bearer token must be signed with ${options.key.alg}; other algorithms are refused`,
    );
  }
  // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
  if (header.crit !== undefined) throw malformed();

  const signature = decodeSegment(signatureSegment);
  const signingInput = Buffer.from(`${headerSegment}.${payloadSegment}`, 'ascii');
  if (!signatureMatches(options.key, signingInput, signature)) {
    throw new JwtError('invalid_signature', 'The bearer token signature is invalid');
  }

  const claims = parseJsonObject(decodeSegment(payloadSegment));
  assertValidNow(claims, options);
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    throw new JwtError('wrong_issuer', 'The bearer token was issued by another party');
  }
  if (options.audience !== undefined && !audienceMatches(claims.aud, options.audience)) {
    throw new JwtError('wrong_audience', 'The bearer token was issued for another audience');
  }
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
    throw new JwtError('invalid_claims', 'The bearer token has no valid "sub" claim');
  }
  return { actor: { sub: claims.sub, roles: rolesOf(claims.roles) }, claims };
}

/**
 * Mints a compact JWS. For tests and tooling: services only verify. The
 * header's `alg` always matches the key, whatever `header` says.
 */
export function signJwt(
  claims: Record<string, unknown>,
  key: JwtSigningKey,
  header: Record<string, unknown> = {},
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const signingInput = `${encode({ typ: 'JWT', ...header, alg: key.alg })}.${encode(claims)}`;
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(signingInput).digest()
      : rsaSign('sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}
