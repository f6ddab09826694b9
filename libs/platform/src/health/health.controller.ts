import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process is alive and its event loop turns; dependencies are not consulted. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Every dependency this app needs answers (503 otherwise). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks
        .filter((c) => c.enabled !== false)
        .map((c) => async () => {
          const session = this.indicators.check(c.name);
          try {
            await c.check();
            return session.up();
          } catch (err) {
            return session.down({ message: err instanceof Error ? err.message : String(err) });
          }
        }),
    );
  }
}
