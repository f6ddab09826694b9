import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO4217CurrencyCode, IsOptional, IsString, Length, Matches } from 'class-validator';
import { MoneyAmount } from '../money-amount.js';

export class OpenAccountDto {
  @ApiProperty({
    description: 'The customer who owns the account (a customer token may only use its own sub)',
  })
  @IsString()
  @Length(1, 200)
  @Matches(/^[\x21-\x7e]+$/, { message: 'ownerId must be printable ASCII without spaces' })
  ownerId!: string;

  @ApiProperty({ description: 'Personal data: stored encrypted, never published', example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'ownerName must not be blank' })
  ownerName!: string;

  @ApiProperty({ description: 'ISO 4217 code', example: 'EUR' })
  @IsString()
  @IsISO4217CurrencyCode()
  currency!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1e15 })
  @IsOptional()
  @MoneyAmount('Opening deposit in minor units')
  initialDeposit?: number;
}
