import { Injectable } from '@nestjs/common';
import { BaseConfig } from '../config/base.config.js';
import { JsonLogger } from '../logging/json-logger.js';
import { assertValidNow, verifyJwt, type JwtVerifyOptions, type VerifiedJwt } from './jwt.js';
import { resolveJwtKey } from './jwt-key.js';

/** Verified tokens remembered; past this the oldest is forgotten. */
const REMEMBERED_TOKENS = 10_000;

/**
 * The app's configured token verifier. Built once when the app starts, so a
 * misconfiguration (both keys, a bad PEM, no key in production) stops the app
 * there with a JwtConfigError instead of failing every request.
 *
 * A client sends the same token with every request until it expires: the
 * verifier remembers tokens that verified (keyed by the whole token, so any
 * other byte means a full verification) and repeats only the time checks
 * (`exp`, `nbf`) for them — a signature check per request saved.
 */
@Injectable()
export class JwtVerifier {
  private readonly options: JwtVerifyOptions;
  private readonly verified = new Map<string, VerifiedJwt>();

  constructor(config: BaseConfig, logger: JsonLogger) {
    const { key, source } = resolveJwtKey(config);
    if (source === 'development-default') {
      logger.warn(
        {
          msg: 'JWT_SECRET and JWT_PUBLIC_KEY are unset: accepting tokens signed with the public development secret (never in production)',
        },
        'Auth',
      );
    }
    this.options = { key, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  }

  get algorithm(): JwtVerifyOptions['key']['alg'] {
    return this.options.key.alg;
  }

  /** Throws JwtError when the token proves nothing (401) or grants an unknown role (403). */
  verify(token: string): VerifiedJwt {
    const remembered = this.verified.get(token);
    if (remembered) {
      try {
        assertValidNow(remembered.claims, this.options);
      } catch (err) {
        this.verified.delete(token);
        throw err;
      }
      return remembered;
    }
    const verified = verifyJwt(token, this.options);
    if (this.verified.size >= REMEMBERED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, verified);
    return verified;
  }
}
