import { describe, expect, it } from '@jest/globals';
import { isInstant, isMonth } from './query-params.js';

describe('isInstant', () => {
  it.each([
    '2025-03-31T23:59:59Z',
    '2025-03-31T23:59:59.999999Z',
    '2025-03-31T23:59:59.1+02:00',
    '2025-03-31T23:59-05:30',
    '2024-02-29T00:00:00Z',
    '2025-01-01T00:00:00+14:00',
  ])('accepts %s', (text) => expect(isInstant(text)).toBe(true));

  it.each([
    '2025-03-31',
    '2025-03-31T23:59:59',
    '2025-03-31 23:59:59Z',
    '2025-03-31t23:59:59z',
    '2025-02-29T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-00-10T00:00:00Z',
    '2025-01-00T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T10:60:00Z',
    '2025-01-01T10:00:60Z',
    '2025-01-01T10:00:00.1234567Z',
    '2025-01-01T10:00:00+15:00',
    '2025-01-01T10:00:00+0200',
    '+002025-01-01T10:00:00Z',
    '1735725600000',
  ])('refuses %s', (text) => expect(isInstant(text)).toBe(false));

  it('refuses a non-string', () => expect(isInstant(['2025-03-31T23:59:59Z'])).toBe(false));
});

describe('isMonth', () => {
  it.each(['2025-01', '2025-12', '0001-06'])('accepts %s', (text) => expect(isMonth(text)).toBe(true));
  it.each(['2025-1', '2025-13', '2025-00', '2025-01-01', '0000-01', '25-01', 'March'])('refuses %s', (text) =>
    expect(isMonth(text)).toBe(false),
  );
});
