import { ApiProperty } from '@nestjs/swagger';
import { IsMonth } from '../../common/query-params.js';
import { AccountQueryDto } from '../account-route.js';

export class MonthlySummaryQueryDto extends AccountQueryDto {
  @ApiProperty({ example: '2025-03', description: 'Calendar month (UTC) as YYYY-MM' })
  @IsMonth()
  month!: string;
}
