import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { AccountReadModelsRepository } from '../account-read-models.repository.js';
import { AccountReader } from '../account-reader.js';
import { AccountIdParam, AccountQueryDto, ApiAccountRoute } from '../account-route.js';
import { AccountSummaryResponse, accountSummaryResponse } from './account-summary.response.js';

@Controller()
export class AccountSummaryController {
  constructor(
    private readonly reader: AccountReader,
    private readonly readModels: AccountReadModelsRepository,
  ) {}

  /** An account: owner, status, balance, version. */
  @Get('accounts/:id')
  @ApiAccountRoute()
  @ApiOkResponse({ type: AccountSummaryResponse })
  async account(
    @AccountIdParam() accountId: string,
    @Query() _query: AccountQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<AccountSummaryResponse> {
    const { account } = await this.reader.read(actor, accountId, minVersion, () =>
      this.readModels.account(accountId),
    );
    return accountSummaryResponse(account);
  }
}
