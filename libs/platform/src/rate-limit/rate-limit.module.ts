import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { CallerRateLimit } from './caller-rate-limit.js';
import { CallerRateLimitGuard } from './caller-rate-limit.guard.js';

/**
 * Per-caller rate limiting (SPEC §5) for an app with business routes: import
 * it after PlatformModule.forRoot(...) and before AuthModule. Nest runs global
 * guards in the order their modules are imported, so this guard runs first
 * and callers with bad or missing tokens are limited as well. The limit is
 * RATE_LIMIT_PER_MINUTE per caller and per replica; 0 turns limiting off.
 */
@Module({
  imports: [AuthModule],
  providers: [CallerRateLimit, { provide: APP_GUARD, useClass: CallerRateLimitGuard }],
  exports: [CallerRateLimit],
})
export class RateLimitModule {}
