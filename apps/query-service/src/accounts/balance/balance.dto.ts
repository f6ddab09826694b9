import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { AccountQueryDto } from '../account-route.js';

export class BalanceQueryDto extends AccountQueryDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  accountId!: string;
}
