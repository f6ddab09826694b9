/** The stream moved on since it was read: load, decide and append again. */
export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
    this.name = 'ConcurrencyError';
  }
}

/**
 * Another request with the same idempotency key committed first (or was in
 * flight and committed while this one waited): read its record and replay it.
 */
export class IdempotencyKeyTaken extends Error {
  constructor(
    readonly scope: string,
    readonly key: string,
  ) {
    super('idempotency key already used');
    this.name = 'IdempotencyKeyTaken';
  }
}
