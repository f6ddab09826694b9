import { ApiProperty } from '@nestjs/swagger';
import type { AccountRecord } from '../account-read-models.repository.js';

export class BalanceResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ type: 'integer', description: 'Balance in minor units' }) balance!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Account stream version the read model reflects' })
  version!: number;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function balanceResponse(account: AccountRecord): BalanceResponse {
  return {
    accountId: account.accountId,
    balance: account.balance,
    currency: account.currency,
    version: account.version,
    updatedAt: account.updatedAt,
  };
}
