import { ApiProperty } from '@nestjs/swagger';
import { IsInstant } from '../../common/query-params.js';
import { AccountQueryDto } from '../account-route.js';

export class BalanceAtQueryDto extends AccountQueryDto {
  @ApiProperty({
    format: 'date-time',
    example: '2025-03-31T23:59:59.999999+02:00',
    description: 'ISO-8601 instant with an offset or Z; up to microseconds',
  })
  @IsInstant()
  at!: string;
}
