-- pgbench-read: a primary-key select of one account_balance row, the very
-- statement query-service's GET /balance runs (AccountReadModelsRepository.
-- account: the same columns, timestamps formatted as ISO-8601 UTC by
-- Postgres), one per transaction. bench/baselines/pgbench-read.mjs seeds
-- :accounts rows with the ids bench/lib/seed.mjs's seededAccountId(n) gives.
-- (\x3A is ':' — pgbench would take ":MI" in a literal for a variable.)
\set n random(1, :accounts)
SELECT b.account_id, b.owner_id, b.owner_name, b.currency, b.status, b.balance, b.version,
       to_char(b.opened_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\x3AMI\x3ASS.US"Z"') AS opened_at,
       to_char(b.updated_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\x3AMI\x3ASS.US"Z"') AS updated_at
  FROM account_balance b
 WHERE b.account_id = CAST('00000000-0000-4000-8000-' || lpad(CAST(:n AS text), 12, '0') AS uuid);
