import { isUUID } from 'class-validator';
import { CursorCodec, CursorQuery, isRecord } from '../common/cursor.js';
import { PAGE_LIMIT_DEFAULT, PageLimit } from '../common/query-params.js';
import type { VipPosition } from './vip-report.repository.js';

export const vipCursor = new CursorCodec<VipPosition>(
  (value): value is VipPosition =>
    isRecord(value) &&
    Object.keys(value).length === 2 &&
    typeof value.lifetimeDeposits === 'string' &&
    /^(0|[1-9]\d{0,18})$/.test(value.lifetimeDeposits) &&
    BigInt(value.lifetimeDeposits) <= 9_223_372_036_854_775_807n &&
    isUUID(value.accountId, 'all'),
);

export class VipReportQueryDto {
  @PageLimit()
  limit: number = PAGE_LIMIT_DEFAULT;

  @CursorQuery(vipCursor)
  cursor?: VipPosition;
}
