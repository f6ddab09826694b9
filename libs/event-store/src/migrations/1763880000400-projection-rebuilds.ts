import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The journal of projection rebuilds (SPEC §10): one row per rebuild of a
 * group of read models into shadow tables. The projector's rebuild writes a
 * batch of shadow rows and the row's checkpoint — a position in the event
 * store's gap-safe global order, (transaction id, global position) — in one
 * transaction, so a crashed rebuild resumes exactly where its shadow tables
 * are. `projection_checkpoints` (one bigint per projection) cannot hold that
 * pair, nor a rebuild's state and history.
 *
 * At most one rebuild per group is RUNNING; it becomes DONE in the swap
 * transaction that puts its shadow tables live, or ABANDONED when a new
 * rebuild replaces it (`--restart`).
 */
export class ProjectionRebuilds1763880000400 implements MigrationInterface {
  name = 'ProjectionRebuilds1763880000400';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_rebuilds (
        id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        read_models          text        NOT NULL,
        projections          text[]      NOT NULL,
        requested            text        NOT NULL,
        status               text        NOT NULL DEFAULT 'RUNNING'
                                         CHECK (status IN ('RUNNING', 'DONE', 'ABANDONED')),
        checkpoint_tx_id     xid8        NOT NULL DEFAULT '0',
        checkpoint_position  bigint      NOT NULL DEFAULT 0 CHECK (checkpoint_position >= 0),
        events_read          bigint      NOT NULL DEFAULT 0,
        events_applied       bigint      NOT NULL DEFAULT 0,
        started_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        finished_at          timestamptz,
        last_error           text
      )`);
    await db.query(
      `CREATE UNIQUE INDEX projection_rebuilds_one_running ON projection_rebuilds (read_models)
        WHERE status = 'RUNNING'`,
    );
    await db.query('CREATE INDEX projection_rebuilds_latest_idx ON projection_rebuilds (read_models, id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_rebuilds');
  }
}
