import { ApiProperty } from '@nestjs/swagger';

export class BalanceAtResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'date-time', description: 'The instant asked about, in UTC' }) at!: string;
  @ApiProperty({ type: 'integer', description: 'Balance in minor units at that instant' }) balance!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({
    type: 'integer',
    description: 'Version of the last movement at or before `at` (0 when none had happened yet)',
  })
  version!: number;
}
