-- Tables for the pgbench-command baseline: the shape of the app's `events`
-- and `outbox` (libs/event-store migrations) — jsonb payloads, identity
-- positions, the writing transaction's id, the same unique keys and indexes —
-- so pgbench pays the same per-row costs a withdraw does, minus everything
-- the app adds on top.
CREATE TABLE pgbench_events (
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
  CONSTRAINT pgbench_events_stream_version_key UNIQUE (stream_id, version),
  CONSTRAINT pgbench_events_event_id_key UNIQUE (event_id)
);
CREATE INDEX pgbench_events_tx_position_idx ON pgbench_events (tx_id, global_position);

CREATE TABLE pgbench_outbox (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx_id         xid8        NOT NULL DEFAULT pg_current_xact_id(),
  topic         text        NOT NULL,
  message_key   text        NOT NULL,
  event_id      uuid        NOT NULL,
  headers       jsonb       NOT NULL,
  payload       jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pgbench_outbox_tx_id_idx ON pgbench_outbox (tx_id, id);
