import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';

/** Most entries one page may hold; the default when `limit` is absent. */
export const PAGE_LIMIT_MAX = 200;
export const PAGE_LIMIT_DEFAULT = 50;

const DECIMAL_INTEGER = /^(0|[1-9]\d{0,15})$/;

/**
 * Query values are strings and the platform's pipe converts nothing
 * implicitly: a plain decimal integer ("25") becomes a number here, anything
 * else ("2.5", "1e3", " 7", "007", a repeated parameter) stays as it came and
 * fails the number rules that follow.
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
}

/** `?limit=` of a paginated route: 1..200, default 50. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: PAGE_LIMIT_MAX,
      default: PAGE_LIMIT_DEFAULT,
      description: 'Entries per page',
    }),
    QueryInteger(),
    IsInt({ message: 'limit must be an integer' }),
    Min(1),
    Max(PAGE_LIMIT_MAX),
  );
}

/** A positive account stream version, as a query value. */
export function QueryVersion(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, description }),
    IsOptional(),
    QueryInteger(),
    IsInt({ message: '$property must be a positive integer' }),
    Min(1, { message: '$property must be a positive integer' }),
    Max(Number.MAX_SAFE_INTEGER),
  );
}

// RFC 3339-style instant: a date, a time (seconds optional, at most the six
// fractional digits Postgres keeps) and an explicit offset or Z. A bare local
// time would mean a different instant on every server.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,6})?)?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)$/;

/** Whether `text` is an ISO-8601 instant with an offset (or Z) naming a real calendar day. */
export function isInstant(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = INSTANT.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** An ISO-8601 instant with offset or Z (e.g. 2025-03-31T23:59:59.999999+02:00). */
export function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value: unknown) => isInstant(value),
      defaultMessage: () =>
        '$property must be an ISO-8601 date-time with an offset or Z, e.g. 2025-03-31T23:59:59Z',
    },
  });
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether `text` is a calendar month `YYYY-MM` (year 0001..9999). */
export function isMonth(text: unknown): text is string {
  return typeof text === 'string' && MONTH.test(text) && text.slice(0, 4) !== '0000';
}

export function IsMonth(): PropertyDecorator {
  return ValidateBy({
    name: 'isMonth',
    validator: {
      validate: (value: unknown) => isMonth(value),
      defaultMessage: () => '$property must be a month as YYYY-MM, e.g. 2025-03',
    },
  });
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
