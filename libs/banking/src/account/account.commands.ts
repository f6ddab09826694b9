/**
 * Commands on one account (imperative). Money is bigint minor units; the HTTP
 * layer converts validated JSON numbers with `toMinorUnits`.
 */

/**
 * `initialDeposit` omitted means none; an explicit 0n is rejected like any zero
 * amount (SPEC §3), so pass `undefined` rather than 0n.
 */
export type OpenAccount = {
  type: 'OpenAccount';
  accountId: string;
  ownerId: string;
  ownerName: string;
  currency: string;
  initialDeposit?: bigint;
};

/**
 * `transferId` marks a saga step and is copied into the event. `currency`, when
 * given, must equal the account's currency (else CurrencyMismatch): the transfer
 * saga passes the source currency so a cross-currency credit is refused.
 */
export type DepositMoney = {
  type: 'DepositMoney';
  accountId: string;
  amount: bigint;
  transferId?: string;
  currency?: string;
};

export type WithdrawMoney = {
  type: 'WithdrawMoney';
  accountId: string;
  amount: bigint;
  transferId?: string;
  currency?: string;
};

export type CloseAccount = {
  type: 'CloseAccount';
  accountId: string;
};

export type AccountCommand = OpenAccount | DepositMoney | WithdrawMoney | CloseAccount;
