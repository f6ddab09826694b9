import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

/** An amount in minor units: a JSON integer 1 ≤ n ≤ 10^15 (strings, floats, zero and negatives are refused). */
export function MoneyAmount(description = 'Amount in minor units (e.g. cents)'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: 'integer', minimum: 1, maximum: 1e15, description, example: 2500 }),
    IsInt({ message: '$property must be an integer number of minor units' }),
    Min(1),
    Max(1e15),
  );
}
