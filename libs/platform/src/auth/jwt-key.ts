import { createPublicKey, type KeyObject } from 'node:crypto';
import type { BaseConfig } from '../config/base.config.js';
import type { JwtVerificationKey } from './jwt.js';

/**
 * The HS256 secret used when neither JWT_SECRET nor JWT_PUBLIC_KEY is set
 * outside production, so `npm start` and `npm run token` work on a fresh
 * checkout. It is public (it is in this repository), so a token signed with it
 * proves nothing: production refuses to start rather than fall back to it.
 * infra/token.mjs carries the same value.
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-never-use-in-production';

export type JwtKeySource = 'JWT_SECRET' | 'JWT_PUBLIC_KEY' | 'development-default';

export interface ResolvedJwtKey {
  key: JwtVerificationKey;
  source: JwtKeySource;
}

/** Misconfigured token verification; thrown while the app starts, never per request. */
export class JwtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtConfigError';
  }
}

const MIN_RSA_MODULUS_BITS = 2048;

function rsaPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    // Environments often carry a PEM on one line with literal "\n" escapes.
    key = createPublicKey(pem.replace(/\\n/g, '\n'));
  } catch {
    throw new JwtConfigError('JWT_PUBLIC_KEY is not a valid PEM public key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new JwtConfigError(`JWT_PUBLIC_KEY must be an RSA key for RS256, not ${key.asymmetricKeyType}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) {
    throw new JwtConfigError(`JWT_PUBLIC_KEY must be at least ${MIN_RSA_MODULUS_BITS} bits, not ${bits}`);
  }
  return key;
}

/**
 * Picks the one key (and so the one algorithm) this app accepts:
 * - JWT_SECRET → HS256; JWT_PUBLIC_KEY → RS256; both → error (ambiguous).
 * - neither, NODE_ENV=production → error: the app must not start.
 * - neither, otherwise → DEV_JWT_SECRET (the caller warns once).
 */
export function resolveJwtKey(
  config: Pick<BaseConfig, 'NODE_ENV' | 'JWT_SECRET' | 'JWT_PUBLIC_KEY'>,
): ResolvedJwtKey {
  const { JWT_SECRET: secret, JWT_PUBLIC_KEY: publicKey } = config;
  if (secret && publicKey) {
    throw new JwtConfigError('Set only one of JWT_SECRET (HS256) and JWT_PUBLIC_KEY (RS256), not both');
  }
  if (secret) return { key: { alg: 'HS256', secret }, source: 'JWT_SECRET' };
  if (publicKey)
    return { key: { alg: 'RS256', publicKey: rsaPublicKey(publicKey) }, source: 'JWT_PUBLIC_KEY' };
  if (config.NODE_ENV === 'production') {
    throw new JwtConfigError(
      'Bearer-token verification is not configured: set JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256); ' +
        'production never falls back to the development secret',
    );
  }
  return { key: { alg: 'HS256', secret: DEV_JWT_SECRET }, source: 'development-default' };
}
