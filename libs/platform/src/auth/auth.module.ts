import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtVerifier } from './jwt-verifier.js';

/**
 * Bearer-token authentication for an app with business routes: import it next
 * to PlatformModule.forRoot(...) (whose global BaseConfig and JsonLogger it
 * uses) and every route of the app requires a valid token, except @Public()
 * ones and /health, /metrics, /docs. Apps without business routes (projector,
 * outbox-relay) do not import it and need no JWT setting.
 */
@Module({
  providers: [JwtVerifier, { provide: APP_GUARD, useClass: JwtAuthGuard }],
  exports: [JwtVerifier],
})
export class AuthModule {}
