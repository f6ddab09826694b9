import { CursorCodec, CursorQuery, isRecord } from '../../common/cursor.js';
import { PAGE_LIMIT_DEFAULT, PageLimit } from '../../common/query-params.js';
import { AccountQueryDto } from '../account-route.js';

/** Where the next page starts: below this account version. */
export interface TransactionsCursor {
  before: number;
}

export const transactionsCursor = new CursorCodec<TransactionsCursor>(
  (value): value is TransactionsCursor =>
    isRecord(value) &&
    Object.keys(value).length === 1 &&
    Number.isSafeInteger(value.before) &&
    (value.before as number) >= 1,
);

export class TransactionsQueryDto extends AccountQueryDto {
  @PageLimit()
  limit: number = PAGE_LIMIT_DEFAULT;

  @CursorQuery(transactionsCursor)
  cursor?: TransactionsCursor;
}
