import { ApiProperty } from '@nestjs/swagger';
import type { AccountRecord } from '../account-read-models.repository.js';
import { ERASED_NAME } from '../account-route.js';

export class AccountSummaryResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ description: `The owner's name, or "${ERASED_NAME}" once their personal data was erased` })
  ownerName!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: 'OPEN' | 'CLOSED';
  @ApiProperty({ type: 'integer', description: 'Balance in minor units' }) balance!: number;
  @ApiProperty({ type: 'integer', description: 'Account stream version the read model reflects' })
  version!: number;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function accountSummaryResponse(account: AccountRecord): AccountSummaryResponse {
  return {
    accountId: account.accountId,
    ownerId: account.ownerId,
    ownerName: account.ownerName ?? ERASED_NAME,
    currency: account.currency,
    status: account.status,
    balance: account.balance,
    version: account.version,
    openedAt: account.openedAt,
    updatedAt: account.updatedAt,
  };
}
