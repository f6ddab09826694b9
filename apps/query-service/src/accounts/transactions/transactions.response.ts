import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TransactionRecord } from '../account-read-models.repository.js';

export class TransactionEntry {
  @ApiProperty({ type: 'integer', description: 'Account stream version of the movement' }) version!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: ['DEPOSIT', 'WITHDRAWAL'] }) kind!: 'DEPOSIT' | 'WITHDRAWAL';
  @ApiProperty({ type: 'integer', description: 'Amount in minor units' }) amount!: number;
  @ApiProperty({ type: 'integer', description: 'Balance right after this movement' }) balanceAfter!: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Present when the movement belongs to a transfer' })
  transferId?: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

export class TransactionsResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ type: 'integer', description: 'Account stream version the read model reflects' })
  version!: number;
  @ApiProperty({ type: [TransactionEntry], description: 'Newest first' }) transactions!: TransactionEntry[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as ?cursor= for the next (older) page; null on the last page',
  })
  nextCursor!: string | null;
}

export function transactionEntry(t: TransactionRecord): TransactionEntry {
  return {
    version: t.version,
    eventId: t.eventId,
    kind: t.kind,
    amount: t.amount,
    balanceAfter: t.balanceAfter,
    ...(t.transferId ? { transferId: t.transferId } : {}),
    occurredAt: t.occurredAt,
  };
}
