-- pgbench-command: the least durable work one withdraw can do, one
-- transaction per command: read the stream's current version, append one
-- event at the next version, write one outbox row, commit (an fsync).
-- Streams look like the app's ("account-<uuid>"); payloads are the size of a
-- MoneyWithdrawn event and its internal outbox message.
-- bench/baselines/pgbench-command.mjs runs it with -D streams=<accounts>.
\set sid random(1, :streams)
BEGIN;
SELECT coalesce(max(version), 0) AS version
  FROM pgbench_events
 WHERE stream_id = 'account-00000000-0000-4000-8000-' || lpad(CAST(:sid AS text), 12, '0')
\gset
-- A concurrent client may have taken that version: like the app's append,
-- the conflict writes no event (the app would retry; here it is rare and ignored).
INSERT INTO pgbench_events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
VALUES (gen_random_uuid(),
        'account-00000000-0000-4000-8000-' || lpad(CAST(:sid AS text), 12, '0'),
        'account',
        CAST(:version AS bigint) + 1,
        'MoneyWithdrawn',
        1,
        '{"accountId": "00000000-0000-4000-8000-000000000000", "amount": 1, "balanceAfter": 999999999}',
        '{"correlationId": "2f6f1c9e-6a43-4d5e-9f39-2b8a4c1d7e10", "causationId": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "actor": "bench-teller"}')
ON CONFLICT (stream_id, version) DO NOTHING;
INSERT INTO pgbench_outbox (topic, message_key, event_id, headers, payload)
VALUES ('bank.ledger.internal.v1',
        'account-00000000-0000-4000-8000-' || lpad(CAST(:sid AS text), 12, '0'),
        gen_random_uuid(),
        '{"content-type": "application/json", "event-type": "MoneyWithdrawn", "correlation-id": "2f6f1c9e-6a43-4d5e-9f39-2b8a4c1d7e10"}',
        '{"eventId": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "streamId": "account-00000000-0000-4000-8000-000000000000", "streamType": "account", "version": 2, "globalPosition": "4242", "type": "MoneyWithdrawn", "schemaVersion": 1, "data": {"accountId": "00000000-0000-4000-8000-000000000000", "amount": 1, "balanceAfter": 999999999}, "metadata": {"correlationId": "2f6f1c9e-6a43-4d5e-9f39-2b8a4c1d7e10", "causationId": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "actor": "bench-teller"}, "recordedAt": "2025-01-01T00:00:00.000Z"}');
COMMIT;
