/**
 * SPEC §10 fault test: the projector is killed with SIGKILL while it applies
 * batches — between its Postgres commit and its Kafka offset commit among
 * other moments — and restarted, again and again. Kafka redelivers what was
 * not committed; the read models must still be exact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS } from '@cqrs-bank/contracts';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { call } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { createTopics, freePort, kafkaClient } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('projector crashes', () => {
  let commands: RunningApp;
  let db: pg.Pool;
  const groupId = `test-projector-crash-${randomUUID()}`;
  const teller = bearer('teller-crash', ['teller']);
  let child: ChildProcess | undefined;

  async function startProjector(env: Record<string, string> = {}): Promise<void> {
    const port = await freePort();
    child = spawn(process.execPath, [`${ROOT}dist/apps/projector/src/main.js`], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PROJECTOR_GROUP_ID: groupId,
        PROJECTOR_START_FROM: 'latest',
        PROJECTOR_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: 'ignore',
    });
  }

  /** Waits until the group has a member with partitions, so nothing produced after is missed. */
  async function joined(group = groupId): Promise<boolean> {
    const admin = kafkaClient('test-crash-admin').admin();
    await admin.connect();
    try {
      return await eventually(async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 1;
      }, 60_000);
    } finally {
      await admin.disconnect();
    }
  }

  async function killProjector(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    db = testPool(2);
    commands = await startApp(CommandServiceModule);
  }, 60_000);
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    await killProjector();
    await commands.close();
    await db.end();
  });

  it('keeps the read models exact across repeated kill -9 and restarts', async () => {
    await startProjector();
    expect(await joined()).toBe(true);

    const accounts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call<{ accountId: string }>(commands.url, 'POST', '/accounts', {
        headers: teller,
        body: {
          ownerId: `cust-${randomUUID()}`,
          ownerName: 'Crash Test',
          currency: 'EUR',
          initialDeposit: 10_000,
        },
      });
      expect(res.status).toBe(201);
      accounts.push(res.body.accountId);
    }

    let writing = true;
    const load = (async () => {
      for (let n = 0; writing; n++) {
        await Promise.all(
          accounts.map((accountId, i) =>
            call(commands.url, 'POST', (n + i) % 3 === 0 ? '/withdraw' : '/deposit', {
              headers: teller,
              body: { accountId, amount: 1 + ((n * 7 + i) % 50) },
            }),
          ),
        );
      }
    })();
    for (let crash = 0; crash < 4; crash++) {
      await sleep(1500 + crash * 300);
      await killProjector();
      await startProjector();
      expect(await joined()).toBe(true);
    }
    writing = false;
    await load;

    const exact = async () => {
      const { rows } = await db.query<{ mismatches: string }>(
        `WITH folded AS (
           SELECT substr(stream_id, 9)::uuid AS account_id,
                  max(version) AS version,
                  sum(CASE type WHEN 'AccountOpened' THEN (data->>'initialDeposit')::bigint
                                WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                                WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint ELSE 0 END) AS balance,
                  count(*) FILTER (WHERE type IN ('MoneyDeposited', 'MoneyWithdrawn')
                                      OR (type = 'AccountOpened' AND (data->>'initialDeposit')::bigint > 0)) AS movements
             FROM events WHERE stream_id = ANY($1) GROUP BY stream_id)
         SELECT count(*) AS mismatches
           FROM folded f
           LEFT JOIN account_balance b ON b.account_id = f.account_id
           LEFT JOIN (SELECT account_id, count(*) AS n, max(version) AS v FROM account_transactions GROUP BY account_id) t
                  ON t.account_id = f.account_id
          WHERE b.balance IS DISTINCT FROM f.balance OR b.version IS DISTINCT FROM f.version
             OR t.n IS DISTINCT FROM f.movements`,
        [accounts.map((id) => `account-${id}`)],
      );
      return Number(rows[0].mismatches) === 0;
    };
    expect(await eventually(exact, 60_000)).toBe(true);

    // Monthly totals agree with the history they summarise (nothing counted twice).
    const { rows } = await db.query<{ bad: string }>(
      `SELECT count(*) AS bad FROM (
         SELECT account_id, sum(amount) FILTER (WHERE kind = 'DEPOSIT') AS d, sum(amount) FILTER (WHERE kind = 'WITHDRAWAL') AS w
           FROM account_transactions WHERE account_id = ANY($1::uuid[]) GROUP BY account_id) h
       JOIN (SELECT account_id, sum(deposits_total) AS d, sum(withdrawals_total) AS w
               FROM account_monthly_summary WHERE account_id = ANY($1::uuid[]) GROUP BY account_id) m USING (account_id)
       WHERE h.d IS DISTINCT FROM m.d OR coalesce(h.w, 0) IS DISTINCT FROM coalesce(m.w, 0)`,
      [accounts],
    );
    expect(Number(rows[0].bad)).toBe(0);
  }, 180_000);

  it('a graceful stop commits the Kafka offsets its commit interval had left pending', async () => {
    const group = `test-projector-stop-${randomUUID()}`;
    await killProjector(); // the one the test above left running
    await startProjector({ PROJECTOR_GROUP_ID: group, PROJECTOR_OFFSET_COMMIT_INTERVAL_MS: '60000' });
    expect(await joined(group)).toBe(true);

    // Its own caller: the crash test above spent the teller's rate limit.
    const clerk = bearer('teller-stop', ['teller']);
    const opened = await call<{ accountId: string }>(commands.url, 'POST', '/accounts', {
      headers: clerk,
      body: { ownerId: `cust-${randomUUID()}`, ownerName: 'Stop Test', currency: 'EUR', initialDeposit: 100 },
    });
    expect(opened.status).toBe(201);
    const { accountId } = opened.body;
    const projected = (version: number) => async () =>
      Number(
        (await db.query('SELECT version FROM account_balance WHERE account_id = $1', [accountId])).rows[0]
          ?.version ?? 0,
      ) >= version;
    expect(await eventually(projected(1), 30_000)).toBe(true);
    // Later batches of the account's partition, each applied before the next command.
    for (let version = 2; version <= 4; version++) {
      const res = await call(commands.url, 'POST', '/deposit', {
        headers: clerk,
        body: { accountId, amount: 5 },
      });
      expect(res.status).toBe(200);
      expect(await eventually(projected(version), 30_000)).toBe(true);
    }

    const positions = async () => {
      const { rows } = await db.query<{ partition: number; next_offset: string }>(
        'SELECT partition, next_offset FROM projector_offsets WHERE consumer_group = $1 AND topic = $2',
        [group, TOPICS.ledgerInternal],
      );
      const admin = kafkaClient('test-stop-offsets').admin();
      await admin.connect();
      try {
        const [topic] = await admin.fetchOffsets({ groupId: group, topics: [TOPICS.ledgerInternal] });
        const committed = new Map(topic.partitions.map((p) => [p.partition, p.offset]));
        return rows.map((r) => ({ checkpoint: r.next_offset, committed: committed.get(r.partition) }));
      } finally {
        await admin.disconnect();
      }
    };
    // Postgres holds the batches' checkpoint; Kafka's offset waits for the interval.
    const before = await positions();
    expect(before.length).toBeGreaterThan(0);
    expect(before.some((p) => p.committed !== p.checkpoint)).toBe(true);

    const c = child!;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    expect(await exited).toBe(0);
    const after = await positions();
    expect(after.length).toBe(before.length);
    for (const p of after) expect(p.committed).toBe(p.checkpoint);
  }, 120_000);
});
