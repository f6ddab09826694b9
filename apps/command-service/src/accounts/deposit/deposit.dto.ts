import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { MoneyAmount } from '../money-amount.js';

export class DepositDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  accountId!: string;

  @MoneyAmount()
  amount!: number;
}
