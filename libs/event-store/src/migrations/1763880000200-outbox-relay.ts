import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the outbox relay needs from the outbox table:
 *
 * - a wake-up hint: a statement-level trigger notifies `outbox_appended` once
 *   per inserting statement (Postgres folds repeats within a transaction and
 *   delivers the notification only on commit), so the relay publishes within
 *   milliseconds instead of waiting for its polling interval;
 * - a queue-shaped table: published rows are deleted in batches right after
 *   Kafka acknowledged them, so autovacuum is told to clean it eagerly.
 */
export class OutboxRelay1763880000200 implements MigrationInterface {
  name = 'OutboxRelay1763880000200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_appended', '');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER outbox_appended AFTER INSERT ON outbox
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
    await db.query(`
      ALTER TABLE outbox SET (
        autovacuum_vacuum_scale_factor = 0.0,
        autovacuum_vacuum_threshold = 10000,
        autovacuum_vacuum_insert_scale_factor = 0.0,
        autovacuum_vacuum_insert_threshold = 10000
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold)',
    );
    await db.query('DROP TRIGGER outbox_appended ON outbox');
    await db.query('DROP FUNCTION outbox_notify()');
  }
}
