import { describe, expect, it } from '@jest/globals';
import {
  AccountAlreadyExists,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  BalanceLimitExceeded,
  CorruptDataError,
  CurrencyMismatch,
  DomainError,
  InsufficientFunds,
  InvalidAmount,
  InvalidCommand,
  InvalidCurrency,
  SameAccount,
  ValidationFailed,
} from './errors.js';

describe('domain errors', () => {
  it.each<[DomainError, string, string]>([
    [new AccountNotFound('a1'), 'ACCOUNT_NOT_FOUND', 'AccountNotFound'],
    [new AccountAlreadyExists('a1'), 'ACCOUNT_ALREADY_EXISTS', 'AccountAlreadyExists'],
    [new AccountClosedError('a1'), 'ACCOUNT_CLOSED', 'AccountClosedError'],
    [new InsufficientFunds('a1'), 'INSUFFICIENT_FUNDS', 'InsufficientFunds'],
    [new AccountNotEmpty('a1'), 'ACCOUNT_NOT_EMPTY', 'AccountNotEmpty'],
    [new BalanceLimitExceeded('a1'), 'BALANCE_LIMIT_EXCEEDED', 'BalanceLimitExceeded'],
    [new ValidationFailed('bad'), 'VALIDATION_FAILED', 'ValidationFailed'],
    [new InvalidAmount(), 'VALIDATION_FAILED', 'InvalidAmount'],
    [new InvalidCurrency(), 'VALIDATION_FAILED', 'InvalidCurrency'],
    [new InvalidCommand('bad', 'ownerId'), 'VALIDATION_FAILED', 'InvalidCommand'],
    [new CurrencyMismatch(), 'CURRENCY_MISMATCH', 'CurrencyMismatch'],
    [new SameAccount(), 'SAME_ACCOUNT', 'SameAccount'],
  ])('%s has the stable code %s', (error, code, name) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('keeps the account id as a property, out of the message', () => {
    const error = new InsufficientFunds('5f0c6c1e');
    expect(error.accountId).toBe('5f0c6c1e');
    expect(error.message).not.toContain('5f0c6c1e');
  });

  it('does not treat corrupt stored data as a domain error', () => {
    expect(new CorruptDataError('x')).not.toBeInstanceOf(DomainError);
    expect(new CorruptDataError('x').name).toBe('CorruptDataError');
  });
});
