import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { CONTRACT_FORMATS, isDateTime, isUuid } from './formats.js';

describe('uuid format', () => {
  it('accepts canonical lower-case UUIDs, as node and Postgres print them', () => {
    for (let i = 0; i < 50; i++) expect(isUuid(randomUUID())).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['upper case', '3F1C9A52-8D4E-4B7A-9C21-6E0D5B8F7A14'],
    ['no dashes', '3f1c9a528d4e4b7a9c216e0d5b8f7a14'],
    ['braces', '{3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14}'],
    ['a urn', 'urn:uuid:3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14'],
    ['too short', '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a1'],
    ['a non-hex digit', '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a1g'],
    ['a trailing newline', '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14\n'],
    ['empty', ''],
  ])('rejects %s', (_what, value) => {
    expect(isUuid(value)).toBe(false);
  });
});

describe('date-time format (RFC 3339)', () => {
  it.each([
    '2025-11-23T09:30:00Z',
    '2025-11-23T09:30:00.000Z',
    '2025-11-23T09:30:00.123456789Z',
    '2025-11-23T10:30:00+01:00',
    '2025-11-23T04:00:00-05:30',
    '2024-02-29T23:59:59Z',
    '2000-02-29T00:00:00Z',
    new Date(0).toISOString(),
    new Date().toISOString(),
  ])('accepts %s', (value) => {
    expect(isDateTime(value)).toBe(true);
  });

  it.each([
    ['a date only', '2025-11-23'],
    ['no offset', '2025-11-23T09:30:00'],
    ['a space for T', '2025-11-23 09:30:00Z'],
    ['a lower-case t', '2025-11-23t09:30:00Z'],
    ['month 13', '2025-13-01T00:00:00Z'],
    ['month 0', '2025-00-01T00:00:00Z'],
    ['day 0', '2025-11-00T00:00:00Z'],
    ['30 February', '2025-02-30T00:00:00Z'],
    ['29 February of a common year', '2025-02-29T00:00:00Z'],
    ['29 February 1900', '1900-02-29T00:00:00Z'],
    ['31 April', '2025-04-31T00:00:00Z'],
    ['hour 24', '2025-11-23T24:00:00Z'],
    ['minute 60', '2025-11-23T09:60:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['an offset hour 24', '2025-11-23T09:30:00+24:00'],
    ['an offset without colon', '2025-11-23T09:30:00+0100'],
    ['an empty fraction', '2025-11-23T09:30:00.Z'],
    ['epoch millis', '1763890200000'],
  ])('rejects %s', (_what, value) => {
    expect(isDateTime(value)).toBe(false);
  });
});

describe('CONTRACT_FORMATS', () => {
  it('covers every format the schemas use', () => {
    expect(Object.keys(CONTRACT_FORMATS).sort()).toEqual(['date-time', 'uuid']);
  });
});
