import { ApiProperty } from '@nestjs/swagger';
import { ERASED_NAME } from '../accounts/account-route.js';
import type { VipAccountRecord } from './vip-report.repository.js';

export class VipAccount {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ description: `The owner's name, or "${ERASED_NAME}"` }) ownerName!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: 'OPEN' | 'CLOSED';
  @ApiProperty({ type: 'integer', description: 'Sum of every deposit ever, in minor units' })
  lifetimeDeposits!: number;
  @ApiProperty({ type: 'integer', description: 'Current balance in minor units' }) balance!: number;
  @ApiProperty({ type: 'integer' }) version!: number;
}

export class VipReportResponse {
  @ApiProperty({ type: 'integer', description: 'Lifetime deposits above this (minor units) make a VIP' })
  threshold!: number;
  @ApiProperty({ type: [VipAccount], description: 'Highest lifetime deposits first' })
  accounts!: VipAccount[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as ?cursor= for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export function vipAccount(r: VipAccountRecord): VipAccount {
  return { ...r, ownerName: r.ownerName ?? ERASED_NAME };
}
