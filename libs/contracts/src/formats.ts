/**
 * The two JSON Schema formats the contract's schemas use, as plain predicates,
 * so any validator can enforce them without a formats plugin
 * (`ajv.addFormat(name, predicate)` for each entry). The schemas also carry an
 * equivalent `pattern`, for validators that treat `format` as an annotation.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** A UUID in canonical lower-case form (what the producer sends: event, account and transfer ids). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * An RFC 3339 date-time with an upper-case `T` and a `Z` or numeric offset,
 * and a real calendar date (no February 30th). Leap seconds (:60) are refused:
 * the producer never sends them and JavaScript's Date cannot parse them.
 */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Format name → predicate, for every `format` the shipped schemas use. */
export const CONTRACT_FORMATS: Readonly<Record<'uuid' | 'date-time', (value: string) => boolean>> = {
  uuid: isUuid,
  'date-time': isDateTime,
};
