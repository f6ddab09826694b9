import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { AccountReadModelsRepository } from '../account-read-models.repository.js';
import { AccountReader } from '../account-reader.js';
import { AccountIdParam, ApiAccountRoute } from '../account-route.js';
import { MonthlySummaryQueryDto } from './monthly-summary.dto.js';
import { MonthlySummaryResponse } from './monthly-summary.response.js';

@Controller()
export class MonthlySummaryController {
  constructor(
    private readonly reader: AccountReader,
    private readonly readModels: AccountReadModelsRepository,
  ) {}

  /** Deposits and withdrawals of one month (zeros for a month without movements). */
  @Get('accounts/:id/monthly-summary')
  @ApiAccountRoute()
  @ApiOkResponse({ type: MonthlySummaryResponse })
  async monthlySummary(
    @AccountIdParam() accountId: string,
    @Query() query: MonthlySummaryQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<MonthlySummaryResponse> {
    const { account, summary } = await this.reader.read(actor, accountId, minVersion, () =>
      this.readModels.monthlySummary(accountId, query.month),
    );
    return {
      accountId,
      month: query.month,
      currency: account.currency,
      depositsTotal: summary?.depositsTotal ?? 0,
      depositsCount: summary?.depositsCount ?? 0,
      withdrawalsTotal: summary?.withdrawalsTotal ?? 0,
      withdrawalsCount: summary?.withdrawalsCount ?? 0,
      version: account.version,
    };
  }
}
