import { ApiProperty } from '@nestjs/swagger';
import type { TransferStatusRecord } from './transfer-status.repository.js';

export class TransferStatusResponse {
  @ApiProperty({ format: 'uuid' }) transferId!: string;
  @ApiProperty({ format: 'uuid' }) fromAccountId!: string;
  @ApiProperty({ format: 'uuid' }) toAccountId!: string;
  @ApiProperty({ type: 'integer', description: 'Amount in minor units' }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['PENDING', 'COMPLETED', 'FAILED'] }) status!: 'PENDING' | 'COMPLETED' | 'FAILED';
  @ApiProperty({ type: String, nullable: true, description: 'Why the transfer failed; null otherwise' })
  reason!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function transferStatusResponse(t: TransferStatusRecord): TransferStatusResponse {
  return {
    transferId: t.transferId,
    fromAccountId: t.fromAccountId,
    toAccountId: t.toAccountId,
    amount: t.amount,
    currency: t.currency,
    status: t.status,
    reason: t.reason,
    updatedAt: t.updatedAt,
  };
}
