import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '@cqrs-bank/platform';
import { QueryServiceConfig } from '../query-service.config.js';
import { vipCursor, VipReportQueryDto } from './vip-report.dto.js';
import { VipReportRepository } from './vip-report.repository.js';
import { vipAccount, VipReportResponse } from './vip-report.response.js';

@ApiTags('reports')
@ApiBearerAuth()
@Controller()
export class VipReportController {
  constructor(
    private readonly repository: VipReportRepository,
    private readonly config: QueryServiceConfig,
  ) {}

  /** Accounts whose lifetime deposits exceed VIP_THRESHOLD; staff only. */
  @Get('reports/vip')
  @Roles('teller', 'admin')
  @ApiOkResponse({ type: VipReportResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: a customer token' })
  async vip(@Query() query: VipReportQueryDto): Promise<VipReportResponse> {
    const threshold = this.config.VIP_THRESHOLD;
    const rows = await this.repository.page(threshold, query.limit + 1, query.cursor);
    const shown = rows.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      threshold,
      accounts: shown.map(vipAccount),
      nextCursor:
        rows.length > query.limit
          ? vipCursor.encode({ lifetimeDeposits: String(last.lifetimeDeposits), accountId: last.accountId })
          : null,
    };
  }
}
