import { ApiProperty } from '@nestjs/swagger';

export class MonthlySummaryResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: '2025-03' }) month!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Sum of the deposits in minor units' }) depositsTotal!: number;
  @ApiProperty({ type: 'integer' }) depositsCount!: number;
  @ApiProperty({ type: 'integer', description: 'Sum of the withdrawals in minor units' })
  withdrawalsTotal!: number;
  @ApiProperty({ type: 'integer' }) withdrawalsCount!: number;
  @ApiProperty({ type: 'integer', description: 'Account stream version the read model reflects' })
  version!: number;
}
