import { ApiProperty } from '@nestjs/swagger';
import type { AccountState } from '@cqrs-bank/banking';

/** The answer to an account command: the stream's version after it, for read-your-writes. */
export class AccountResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({
    description: 'Account stream version after the command; pass it as minVersion to the query side',
  })
  version!: number;
  @ApiProperty({ description: 'Balance in minor units after the command' }) balance!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
}

export function accountResponse(state: AccountState): AccountResponse {
  if (state.status === 'none') throw new Error('no account to describe');
  return {
    accountId: state.accountId,
    version: state.version,
    balance: Number(state.balance),
    currency: state.currency,
  };
}
