/**
 * Domain errors: a command the domain refuses. Each has a STABLE `code` that the
 * HTTP exception filter maps to problem+json (SPEC §3); clients and tests rely on it.
 * Messages are safe to show to clients: they never contain personal data, balances
 * or echoed input.
 */
export type DomainErrorCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_ALREADY_EXISTS'
  | 'ACCOUNT_CLOSED'
  | 'INSUFFICIENT_FUNDS'
  | 'ACCOUNT_NOT_EMPTY'
  | 'BALANCE_LIMIT_EXCEEDED'
  | 'VALIDATION_FAILED'
  | 'CURRENCY_MISMATCH'
  | 'SAME_ACCOUNT';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The account stream does not exist (or, at the edge, the caller may not see it). */
export class AccountNotFound extends DomainError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  constructor(readonly accountId: string) {
    super('Account not found.');
  }
}

export class AccountAlreadyExists extends DomainError {
  readonly code = 'ACCOUNT_ALREADY_EXISTS';
  constructor(readonly accountId: string) {
    super('An account with this id already exists.');
  }
}

export class AccountClosedError extends DomainError {
  readonly code = 'ACCOUNT_CLOSED';
  constructor(readonly accountId: string) {
    super('The account is closed.');
  }
}

export class InsufficientFunds extends DomainError {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor(readonly accountId: string) {
    super('Insufficient funds for this withdrawal.');
  }
}

export class AccountNotEmpty extends DomainError {
  readonly code = 'ACCOUNT_NOT_EMPTY';
  constructor(readonly accountId: string) {
    super('The account balance must be zero to close the account.');
  }
}

export class BalanceLimitExceeded extends DomainError {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  constructor(readonly accountId: string) {
    super('The deposit would exceed the maximum account balance.');
  }
}

export class CurrencyMismatch extends DomainError {
  readonly code = 'CURRENCY_MISMATCH';
  constructor() {
    super('The currencies do not match.');
  }
}

export class SameAccount extends DomainError {
  readonly code = 'SAME_ACCOUNT';
  constructor() {
    super('Source and target account must be different.');
  }
}

/** Base of every input rejection; all share the code VALIDATION_FAILED (HTTP 400). */
export class ValidationFailed extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  /** The offending command field, when there is one. */
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class InvalidAmount extends ValidationFailed {
  constructor(field = 'amount') {
    super(`${field} must be an integer number of minor units between 1 and 1000000000000000.`, field);
  }
}

export class InvalidCurrency extends ValidationFailed {
  constructor(field = 'currency') {
    super(`${field} must be an active ISO 4217 currency code such as EUR.`, field);
  }
}

export class InvalidCommand extends ValidationFailed {}

/**
 * Stored data the domain cannot trust (a malformed event or snapshot). Not a
 * DomainError: it is never the client's fault and must surface as a server error
 * (or, for a snapshot, make the loader fall back to a full replay).
 */
export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
