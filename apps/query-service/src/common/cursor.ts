import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';

/**
 * Keyset-pagination cursors: the position after the last entry of a page, as
 * base64url JSON. Clients treat them as opaque strings; only the route that
 * issued one accepts it back (each shape is checked on the way in).
 */
export class CursorCodec<T extends object> {
  constructor(private readonly shape: (value: unknown) => value is T) {}

  encode(position: T): string {
    return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
  }

  /** The position, or undefined for anything this codec did not issue. */
  decode(text: unknown): T | undefined {
    if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{1,512}$/.test(text)) return undefined;
    const bytes = Buffer.from(text, 'base64url');
    // Base64url decoding is lenient; a cursor we issued re-encodes to itself.
    if (bytes.toString('base64url') !== text) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    return this.shape(value) ? value : undefined;
  }
}

const MALFORMED = Symbol('malformed cursor');

/**
 * `?cursor=` of a paginated route: decoded into the codec's position while the
 * query is validated, so a malformed cursor is a 400 like any other bad value.
 */
export function CursorQuery<T extends object>(codec: CursorCodec<T>): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      description: 'Opaque `nextCursor` of the previous page; absent for the first page',
    }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) => codec.decode(value) ?? MALFORMED),
    ValidateBy({
      name: 'isCursor',
      validator: {
        validate: (value: unknown) => value !== MALFORMED,
        defaultMessage: () => 'cursor is not a cursor this route issued',
      },
    }),
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
