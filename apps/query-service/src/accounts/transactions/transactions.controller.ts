import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '@cqrs-bank/platform';
import { MinVersion } from '../../read-your-writes/min-version.js';
import { AccountReadModelsRepository } from '../account-read-models.repository.js';
import { AccountReader } from '../account-reader.js';
import { AccountIdParam, ApiAccountRoute } from '../account-route.js';
import { transactionsCursor, TransactionsQueryDto } from './transactions.dto.js';
import { transactionEntry, TransactionsResponse } from './transactions.response.js';

@Controller()
export class TransactionsController {
  constructor(
    private readonly reader: AccountReader,
    private readonly readModels: AccountReadModelsRepository,
  ) {}

  /** The account's money movements, newest first, keyset-paginated by version. */
  @Get('accounts/:id/transactions')
  @ApiAccountRoute()
  @ApiOkResponse({ type: TransactionsResponse })
  async transactions(
    @AccountIdParam() accountId: string,
    @Query() query: TransactionsQueryDto,
    @MinVersion() minVersion: number | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<TransactionsResponse> {
    // One extra row tells whether another page follows.
    const page = { beforeVersion: query.cursor?.before, limit: query.limit + 1 };
    const { account, transactions } = await this.reader.read(actor, accountId, minVersion, () =>
      this.readModels.transactions(accountId, page),
    );
    const shown = transactions.slice(0, query.limit);
    const more = transactions.length > query.limit;
    return {
      accountId,
      version: account.version,
      transactions: shown.map(transactionEntry),
      nextCursor: more ? transactionsCursor.encode({ before: shown[shown.length - 1].version }) : null,
    };
  }
}
