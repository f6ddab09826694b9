import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { ApiAccountRoute } from '../account-route.js';
import { BalanceReader } from './balance-reader.js';
import { BalanceQueryDto } from './balance.dto.js';
import { BalanceResponse, balanceResponse } from './balance.response.js';

@Controller()
export class BalanceController {
  constructor(private readonly balances: BalanceReader) {}

  /** The current balance of an account. */
  @Get('balance')
  @ApiAccountRoute({ idParam: false })
  @ApiOkResponse({ type: BalanceResponse })
  async balance(
    @Query() query: BalanceQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<BalanceResponse> {
    const { account } = await this.balances.read(actor, query.accountId, minVersion);
    return balanceResponse(account);
  }
}
