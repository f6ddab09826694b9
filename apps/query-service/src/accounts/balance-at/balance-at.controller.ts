import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, ProblemError, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { AccountReadModelsRepository } from '../account-read-models.repository.js';
import { AccountReader } from '../account-reader.js';
import { AccountIdParam, ApiAccountRoute } from '../account-route.js';
import { BalanceAtQueryDto } from './balance-at.dto.js';
import { BalanceAtResponse } from './balance-at.response.js';

@Controller()
export class BalanceAtController {
  constructor(
    private readonly reader: AccountReader,
    private readonly readModels: AccountReadModelsRepository,
  ) {}

  /**
   * Time travel: the balance after the last movement at or before `at`; 0
   * (version 0) between the opening and the first movement. Before the
   * account was opened it did not exist: 404 ACCOUNT_NOT_FOUND.
   */
  @Get('accounts/:id/balance')
  @ApiAccountRoute()
  @ApiOkResponse({ type: BalanceAtResponse })
  async balanceAt(
    @AccountIdParam() accountId: string,
    @Query() query: BalanceAtQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BalanceAtResponse> {
    const { account, at, last, beforeOpening } = await this.reader.read(actor, accountId, minVersion, () =>
      this.readModels.balanceAt(accountId, query.at),
    );
    if (!last && beforeOpening) {
      throw new ProblemError('ACCOUNT_NOT_FOUND', `Account ${accountId} was not open yet at ${at}`);
    }
    return {
      accountId,
      at,
      balance: last?.balanceAfter ?? 0,
      currency: account.currency,
      version: last?.version ?? 0,
    };
  }
}
