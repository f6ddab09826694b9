/**
 * A timestamptz column as an ISO-8601 UTC string with all six fractional
 * digits Postgres keeps. A JS Date would cut it to milliseconds, and a client
 * passing such an `occurredAt` back as `?at=` would then miss that very entry.
 */
export function utcIso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * What utcIso renders for an instant known to the millisecond — as every
 * account_balance.updated_at is: the projector writes it from a JS Date.
 */
export function utcIsoOfMillis(epochMillis: number): string {
  return new Date(epochMillis).toISOString().replace(/Z$/, '000Z');
}

/** A bigint column (pg returns it as text) as a JSON-safe integer; money never goes through a float. */
export function toSafeInteger(value: string | number, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${column} = ${String(value)} is not a safe integer`);
  return n;
}
