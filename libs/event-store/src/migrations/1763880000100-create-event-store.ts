import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store (SPEC §6): append-only events, snapshots, the transactional
 * outbox and idempotency records. Every write of a command lands in these
 * tables in one transaction.
 *
 * `tx_id` records the writing transaction (`pg_current_xact_id()`): readers of
 * "everything after P" order by (tx_id, position) and only read transactions
 * below the snapshot's xmin, so an event that commits late with a lower
 * position is never skipped.
 */
export class CreateEventStore1763880000100 implements MigrationInterface {
  name = 'CreateEventStore1763880000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE events (
        global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id        uuid        NOT NULL,
        stream_id       text        NOT NULL,
        stream_type     text        NOT NULL,
        version         bigint      NOT NULL CHECK (version > 0),
        type            text        NOT NULL,
        schema_version  integer     NOT NULL CHECK (schema_version > 0),
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
        CONSTRAINT events_event_id_key UNIQUE (event_id)
      )`);
    await db.query('CREATE INDEX events_tx_position_idx ON events (tx_id, global_position)');
    // Events are facts: the database itself refuses to change or remove them.
    await db.query(`
      CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_are_immutable()`);
    await db.query(`
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable()`);

    await db.query(`
      CREATE TABLE snapshots (
        stream_id       text        PRIMARY KEY,
        version         bigint      NOT NULL CHECK (version > 0),
        schema_version  integer     NOT NULL,
        state           jsonb       NOT NULL,
        taken_at        timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE outbox (
        id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx_id         xid8        NOT NULL DEFAULT pg_current_xact_id(),
        topic         text        NOT NULL,
        message_key   text        NOT NULL,
        event_id      uuid        NOT NULL,
        headers       jsonb       NOT NULL,
        payload       jsonb       NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX outbox_tx_id_idx ON outbox (tx_id, id)');

    await db.query(`
      CREATE TABLE idempotency_keys (
        scope         text        NOT NULL,
        idem_key      text        NOT NULL,
        request_hash  text        NOT NULL,
        status_code   integer     NOT NULL,
        response      jsonb       NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, idem_key)
      )`);
    await db.query('CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE idempotency_keys');
    await db.query('DROP TABLE outbox');
    await db.query('DROP TABLE snapshots');
    await db.query('DROP TABLE events');
    await db.query('DROP FUNCTION events_are_immutable()');
  }
}
