import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read models (SPEC §4, §10). The projector writes them — the event → SQL
 * code lives in apps/projector/src/projections — and query-service reads
 * them. They live in the one migration chain so that `npm run migrate` and
 * the migration Job create the whole schema in order.
 *
 * Every row carries the account stream `version` it reflects: applying an
 * event is idempotent by (account, version), and read-your-writes compares it.
 */
export class CreateReadModels1763880000300 implements MigrationInterface {
  name = 'CreateReadModels1763880000300';

  async up(db: QueryRunner): Promise<void> {
    // One row per account: balance, summary, and lifetime deposits for the VIP report.
    await db.query(`
      CREATE TABLE account_balance (
        account_id         uuid        PRIMARY KEY,
        owner_id           text        NOT NULL,
        owner_name         text,
        currency           char(3)     NOT NULL,
        status             text        NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
        balance            bigint      NOT NULL CHECK (balance >= 0),
        version            bigint      NOT NULL CHECK (version > 0),
        lifetime_deposits  bigint      NOT NULL DEFAULT 0,
        opened_at          timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL
      )`);
    await db.query('CREATE INDEX account_balance_owner_idx ON account_balance (owner_id)');
    await db.query(
      'CREATE INDEX account_balance_lifetime_deposits_idx ON account_balance (lifetime_deposits DESC)',
    );

    // Every money movement with the balance after it; keyset-paginated by version,
    // and searched by time for the balance at an instant.
    await db.query(`
      CREATE TABLE account_transactions (
        account_id     uuid        NOT NULL,
        version        bigint      NOT NULL,
        event_id       uuid        NOT NULL,
        kind           text        NOT NULL CHECK (kind IN ('DEPOSIT', 'WITHDRAWAL')),
        amount         bigint      NOT NULL CHECK (amount > 0),
        balance_after  bigint      NOT NULL CHECK (balance_after >= 0),
        transfer_id    uuid,
        occurred_at    timestamptz NOT NULL,
        PRIMARY KEY (account_id, version)
      )`);
    await db.query(
      'CREATE INDEX account_transactions_time_idx ON account_transactions (account_id, occurred_at, version)',
    );

    await db.query(`
      CREATE TABLE account_monthly_summary (
        account_id         uuid    NOT NULL,
        month              date    NOT NULL,
        deposits_total     bigint  NOT NULL DEFAULT 0,
        deposits_count     integer NOT NULL DEFAULT 0,
        withdrawals_total  bigint  NOT NULL DEFAULT 0,
        withdrawals_count  integer NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, month)
      )`);

    // Ready for the transfer saga (SPEC §9).
    await db.query(`
      CREATE TABLE transfer_status (
        transfer_id      uuid        PRIMARY KEY,
        from_account_id  uuid        NOT NULL,
        to_account_id    uuid        NOT NULL,
        amount           bigint      NOT NULL CHECK (amount > 0),
        currency         char(3)     NOT NULL,
        status           text        NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
        reason           text,
        version          bigint      NOT NULL,
        requested_at     timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL
      )`);

    // Where the projector is in each partition of its topic: stored in the same
    // transaction as the read-model changes of the batch (exactly-once effect).
    await db.query(`
      CREATE TABLE projector_offsets (
        consumer_group  text        NOT NULL,
        topic           text        NOT NULL,
        partition       integer     NOT NULL,
        next_offset     bigint      NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projector_offsets');
    await db.query('DROP TABLE transfer_status');
    await db.query('DROP TABLE account_monthly_summary');
    await db.query('DROP TABLE account_transactions');
    await db.query('DROP TABLE account_balance');
  }
}
