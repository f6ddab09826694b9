// Field checks shared by the event parsers: a stored event that fails one is corrupt.
import { CorruptDataError } from './errors.js';

export type Fields = Record<string, unknown>;

export function str(d: Fields, type: string, field: string): string {
  const value = d[field];
  if (typeof value !== 'string') throw new CorruptDataError(`${type}.${field} is not a string`);
  return value;
}

export function id(d: Fields, type: string, field: string): string {
  const value = str(d, type, field);
  if (value.length === 0) throw new CorruptDataError(`${type}.${field} is empty`);
  return value;
}

export function currencyCode(d: Fields, type: string): string {
  const value = str(d, type, 'currency');
  if (!/^[A-Z]{3}$/.test(value)) throw new CorruptDataError(`${type}.currency is not a currency code`);
  return value;
}

export function int(d: Fields, type: string, field: string, min: number, max: bigint): number {
  const value = d[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || BigInt(value) > max) {
    throw new CorruptDataError(`${type}.${field} is not an integer in ${min}..${max}`);
  }
  return value;
}
