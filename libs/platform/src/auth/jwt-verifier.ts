import { Injectable } from '@nestjs/common';
import { BaseConfig } from '../config/base.config.js';
import { JsonLogger } from '../logging/json-logger.js';
import { verifyJwt, type JwtVerifyOptions, type VerifiedJwt } from './jwt.js';
import { resolveJwtKey } from './jwt-key.js';

/**
 * The app's configured token verifier. Built once when the app starts, so a
 * misconfiguration (both keys, a bad PEM, no key in production) stops the app
 * there with a JwtConfigError instead of failing every request.
 */
@Injectable()
export class JwtVerifier {
  private readonly options: JwtVerifyOptions;

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
    return verifyJwt(token, this.options);
  }
}
