import { createHash } from 'node:crypto';
import type pg from 'pg';

/** One write of a batch: a prepared statement's name, its SQL (parameters $1…$n) and its n values. */
export interface WriteStatement {
  name: string;
  text: string;
  values: unknown[];
}

/**
 * The writes of one projector batch, sent to Postgres as ONE statement: every
 * write but the last becomes a data-modifying CTE, the last is the primary
 * statement. Postgres runs each CTE exactly once and to completion whatever
 * the primary statement reads, so a batch costs one round trip however many
 * read models it changes — on a small batch the round trips are the cost.
 *
 * All the writes of one statement share one snapshot: none sees the rows
 * another writes. The projector's writes touch different tables, or different
 * rows of one table; a write that must see earlier ones (an erasure of names
 * opened in the same batch) is sent after a `flush`.
 */
export class WriteBatch {
  private pending: WriteStatement[] = [];

  add(statement: WriteStatement): void {
    if (/^\s*WITH\b/i.test(statement.text))
      throw new Error(`${statement.name}: a WITH statement cannot be batched`);
    this.pending.push(statement);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Sends the writes added since the last flush, as one statement. */
  async flush(client: pg.ClientBase): Promise<void> {
    const statements = this.pending;
    if (statements.length === 0) return;
    this.pending = [];
    await client.query(statements.length === 1 ? statements[0] : combined(statements));
  }
}

/** The combined SQL of each sequence of statement names: the same batch shape is the same prepared statement. */
const shapes = new Map<string, { name: string; text: string }>();

function combined(statements: WriteStatement[]): pg.QueryConfig {
  const key = statements.map((s) => s.name).join('+');
  let shape = shapes.get(key);
  if (!shape) {
    let offset = 0;
    const parts = statements.map((s) => {
      const shift = offset;
      offset += s.values.length;
      return s.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`);
    });
    const primary = parts.pop()!;
    shape = {
      // Postgres cuts statement names at 63 bytes: a digest keeps two shapes apart.
      name: `rm_batch_${createHash('sha256').update(key).digest('hex').slice(0, 32)}`,
      text: `WITH ${parts.map((p, i) => `w${i} AS (${p})`).join(',\n')}\n${primary}`,
    };
    shapes.set(key, shape);
  }
  return { ...shape, values: statements.flatMap((s) => s.values) };
}
