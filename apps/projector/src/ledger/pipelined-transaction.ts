import type pg from 'pg';

/**
 * A transaction in two round trips to Postgres, however many statements it
 * holds, on a client of a pipelined pool (`pipeline: true`: a query is sent
 * without waiting for the answer to the one before).
 *
 * `begin` sends BEGIN without waiting for it and holds it back in the
 * socket, with whatever the caller queries next, until the event loop turns:
 * BEGIN reaches Postgres in the same write as the transaction's first read.
 * `commit` sends the last write and COMMIT in one write too. Postgres runs
 * them in order, as ever; an error still fails its own query (and, inside
 * the transaction, every one after it), so callers await as they would
 * without pipelining.
 */
export class PipelinedTransaction {
  private constructor(
    private readonly client: pg.PoolClient,
    private readonly begun: Promise<unknown>,
  ) {}

  static begin(client: pg.PoolClient): PipelinedTransaction {
    if (!client.pipeline)
      throw new Error('PipelinedTransaction needs a client of a pool with pipeline: true');
    const socket = client.connection.stream;
    socket.cork();
    setImmediate(() => socket.uncork());
    const begun = client.query('BEGIN');
    // Awaited by commit(); a BEGIN that failed fails every query sent after it.
    begun.catch(() => undefined);
    return new PipelinedTransaction(client, begun);
  }

  /**
   * Sends what `lastWrite` queries (synchronously, as its first step) and
   * COMMIT together; resolves once both are answered and the transaction
   * committed.
   */
  async commit(lastWrite: () => Promise<unknown>): Promise<void> {
    await this.begun;
    const socket = this.client.connection.stream;
    let written: Promise<unknown>;
    let committed: Promise<pg.QueryResult>;
    socket.cork();
    try {
      written = lastWrite();
      committed = this.client.query('COMMIT');
    } finally {
      socket.uncork();
    }
    const [, result] = await Promise.all([written, committed]);
    // Postgres answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (result.command !== 'COMMIT') throw new Error(`the transaction ended with ${result.command}`);
  }
}
