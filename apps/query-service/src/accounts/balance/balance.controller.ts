import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { AccountReader } from '../account-reader.js';
import { ApiAccountRoute } from '../account-route.js';
import { BalanceCache } from './balance-cache.js';
import { BalanceQueryDto } from './balance.dto.js';
import { BalanceResponse, balanceResponse } from './balance.response.js';

@Controller()
export class BalanceController {
  constructor(
    private readonly reader: AccountReader,
    private readonly cache: BalanceCache,
  ) {}

  /** The current balance of an account. */
  @Get('balance')
  @ApiAccountRoute({ idParam: false })
  @ApiOkResponse({ type: BalanceResponse })
  async balance(
    @Query() query: BalanceQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BalanceResponse> {
    const { accountId } = query;
    const { account } = await this.reader.read(actor, accountId, minVersion, (atLeast) =>
      this.cache.read(accountId, atLeast),
    );
    return balanceResponse(account);
  }
}
