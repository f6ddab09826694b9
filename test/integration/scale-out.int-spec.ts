/**
 * Scale-out on one machine (SPEC §11): two command-services behind a
 * round-robin, two outbox relays, two projectors in one consumer group — real
 * processes. A concurrency storm and random commands give exact balances,
 * per-account order on Kafka and correct read models; killing one replica of
 * each kind mid-run (SIGKILL) changes nothing in the results.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS } from '@cqrs-bank/contracts';
import type pg from 'pg';
import { foldEventStore, readAccountModels } from '../support/account-fold.js';
import { call, type ApiResponse } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually } from '../support/http.js';
import {
  collect,
  consumerGroupAtEnd,
  createTopics,
  stableGroupMembers,
  metric,
  spawnApp,
  spawnRelay,
  type AppProcess,
} from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

describe('scale-out: two of every app', () => {
  let db: pg.Pool;
  const running: AppProcess[] = [];
  let commandServices: AppProcess[] = [];
  const projectorGroup = `test-scale-projector-${randomUUID()}`;
  const teller = bearer('teller-scale', ['teller']);
  let next = 0;

  async function started(app: AppProcess): Promise<AppProcess> {
    running.push(app);
    const up = await eventually(async () => (await fetch(`${app.url}/health/live`)).ok, 60_000);
    if (!up) throw new Error(`an app did not start:\n${app.output()}`);
    return app;
  }
  const commandService = () =>
    spawnApp('command-service', {
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      OUTBOX_RELAY: 'off',
      TRANSFER_SAGA: 'off',
    }).then(started);
  const projector = () =>
    spawnApp('projector', {
      LOG_LEVEL: 'warn',
      PROJECTOR_GROUP_ID: projectorGroup,
      PROJECTOR_START_FROM: 'earliest',
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    }).then(started);

  /** Round-robin over the command-services still alive; a refused connection is tried on the next. */
  async function post(path: string, body: unknown): Promise<ApiResponse> {
    for (let attempt = 0; attempt < commandServices.length * 2; attempt++) {
      const target = commandServices[next++ % commandServices.length];
      try {
        return await call(target.url, 'POST', path, { body, headers: teller });
      } catch {
        // that replica is gone: the client's load balancer would try another
      }
    }
    throw new Error('no command-service answered');
  }

  const groupMembers = stableGroupMembers;

  beforeAll(async () => {
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    await consumerGroupAtEnd(projectorGroup, TOPICS.ledgerInternal);
    db = testPool(4);
    commandServices = await Promise.all([commandService(), commandService()]);
    await Promise.all([
      spawnRelay({ LOG_LEVEL: 'warn' }).then(started),
      spawnRelay({ LOG_LEVEL: 'warn' }).then(started),
    ]);
    await Promise.all([projector(), projector()]);
    expect(await eventually(async () => (await groupMembers(projectorGroup)) === 2, 60_000)).toBe(true);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(running.map((app) => app.kill('SIGKILL')));
    await db.end();
  });

  it('stays exact through a storm and random commands while one replica of each app is killed', async () => {
    const internal = await collect([TOPICS.ledgerInternal], { fromNow: true });
    try {
      // The storm: 200 concurrent withdrawals of 100 from 10 000, spread over both command-services.
      const open = async (initialDeposit: number) => {
        const res = await post('/accounts', {
          ownerId: `cust-${randomUUID()}`,
          ownerName: 'Scale Out',
          currency: 'EUR',
          initialDeposit,
        });
        expect(res.status).toBe(201);
        return res.body.accountId as string;
      };
      const stormed = await open(10_000);
      const storm = await Promise.all(
        Array.from({ length: 200 }, () => post('/withdraw', { accountId: stormed, amount: 100 })),
      );
      expect(storm.filter((r) => r.status === 200)).toHaveLength(100);
      expect(storm.filter((r) => r.status === 422).every((r) => r.body.code === 'INSUFFICIENT_FUNDS')).toBe(
        true,
      );
      expect(storm.filter((r) => r.status !== 200)).toHaveLength(100);

      // Random commands over 20 accounts; one replica of each app dies on the way.
      const accounts = await Promise.all(Array.from({ length: 20 }, () => open(1_000)));
      let seed = 2026;
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const statuses = new Map<number, number>();
      for (let round = 0; round < 60; round++) {
        if (round === 20) {
          const victim = commandServices.shift()!;
          await victim.kill('SIGKILL');
        }
        if (round === 30) {
          // The relay that holds the publishing lease: the standby must take over.
          const relays = running.filter((a) => a.child.spawnargs.some((arg) => arg.includes('outbox-relay')));
          const leaders = await Promise.all(
            relays.map((r) => metric(r, 'outbox_relay_leader').catch(() => 0)),
          );
          await relays[Math.max(0, leaders.indexOf(1))].kill('SIGKILL');
        }
        if (round === 40)
          await running.find((a) => a.child.spawnargs.some((s) => s.includes('projector')))!.kill('SIGKILL');
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            const accountId = accounts[random(accounts.length)];
            const res = await post(random(3) === 0 ? '/withdraw' : '/deposit', {
              accountId,
              amount: 1 + random(300),
            });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }),
        );
      }
      expect([...statuses.keys()].every((s) => s === 200 || s === 422)).toBe(true);

      const ours = [stormed, ...accounts];
      // The storm's account: versions 1..101, balance 0.
      const stormFold = (await foldEventStore(db, [stormed])).get(stormed)!;
      expect([stormFold.version, stormFold.balance]).toEqual([101, 0]);

      // Read models: equal to a pure fold of the event store, for every account.
      const caughtUp = await eventually(async () => {
        const [want, got] = [await foldEventStore(db, ours), await readAccountModels(db, ours)];
        return ours.every((id) => got.get(id)?.version === want.get(id)?.version);
      }, 90_000);
      expect(caughtUp).toBe(true);
      const [want, got] = [await foldEventStore(db, ours), await readAccountModels(db, ours)];
      for (const id of ours) expect({ id, model: got.get(id) }).toEqual({ id, model: want.get(id) });

      // Kafka: every event of every account, in version order per key (a relay crash may repeat, never reorder).
      const streams = new Set(ours.map((id) => `account-${id}`));
      const complete = await eventually(async () => {
        const seen = new Map<string, Set<number>>();
        for (const m of internal.messages) {
          if (!streams.has(m.key)) continue;
          const s = seen.get(m.key) ?? new Set<number>();
          s.add(m.value.version as number);
          seen.set(m.key, s);
        }
        return ours.every((id) => seen.get(`account-${id}`)?.size === want.get(id)!.version);
      }, 60_000);
      expect(complete).toBe(true);
      for (const key of streams) {
        const versions = internal.messages
          .filter((m) => m.key === key)
          .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
          .map((m) => m.value.version as number);
        const outOfOrder = versions.filter(
          (v, i) => i > 0 && v < versions[i - 1] && !versions.slice(0, i).includes(v),
        );
        expect({ key, outOfOrder }).toEqual({ key, outOfOrder: [] });
        const partitions = new Set(internal.messages.filter((m) => m.key === key).map((m) => m.partition));
        expect({ key, partitions: partitions.size }).toEqual({ key, partitions: 1 });
      }
    } finally {
      await internal.stop();
    }
  }, 420_000);
});
