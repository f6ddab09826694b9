import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { MoneyAmount } from '../../accounts/money-amount.js';

export class RequestTransferDto {
  @ApiProperty({ format: 'uuid', description: 'The account debited; a customer must own it' })
  @IsUUID('all')
  fromAccountId!: string;

  @ApiProperty({ format: 'uuid', description: 'The account credited (any owner, same currency)' })
  @IsUUID('all')
  toAccountId!: string;

  @MoneyAmount('Amount in minor units of the source account’s currency')
  amount!: number;
}

export class TransferAcceptedResponse {
  @ApiProperty({
    format: 'uuid',
    description: 'Follow it with GET /transfers/{transferId} on the query side',
  })
  transferId!: string;

  @ApiProperty({ enum: ['PENDING'] })
  status!: 'PENDING';
}
