/**
 * SPEC §9 fault test: the command-service running the transfer process
 * manager is killed with SIGKILL right after a step moved money and before
 * the step was recorded in the transfer stream — after the debit, after the
 * credit, after the refund — and restarted. Every transfer must end
 * COMPLETED or FAILED, no account debited or credited twice, money conserved.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS } from '@cqrs-bank/contracts';
import type pg from 'pg';
import { call } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually } from '../support/http.js';
import { createTopics, spawnApp, type AppProcess } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';
import {
  movementsOf,
  sagaGroupAtEnd,
  settled,
  storedBalance,
  transferFromStore,
} from '../support/transfers.js';

describe('transfer process manager crashes', () => {
  let db: pg.Pool;
  let app: AppProcess | undefined;
  const groupId = `test-transfer-crash-${randomUUID()}`;
  const teller = bearer('teller-transfer-crash', ['teller']);

  async function start(crashAfter?: 'debit' | 'credit' | 'refund'): Promise<AppProcess> {
    const started = await spawnApp('command-service', {
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      OUTBOX_RELAY: 'embedded',
      TRANSFER_SAGA: 'embedded',
      TRANSFER_SAGA_GROUP_ID: groupId,
      TRANSFER_SAGA_START_FROM: 'earliest',
      TRANSFER_SAGA_SESSION_TIMEOUT_MS: '6000',
      TRANSFER_SAGA_CRASH_AFTER: crashAfter ?? '',
    });
    const up = await eventually(async () => (await fetch(`${started.url}/health/live`)).ok, 30_000);
    if (!up) throw new Error(`command-service did not start:\n${started.output()}`);
    app = started;
    return started;
  }
  const post = (path: string, body: unknown) =>
    call<Record<string, unknown>>(app!.url, 'POST', path, { body, headers: teller });
  const open = async (initialDeposit = 0) => {
    const res = await post('/accounts', {
      ownerId: `cust-${randomUUID()}`,
      ownerName: 'Kill Nine',
      currency: 'EUR',
      ...(initialDeposit ? { initialDeposit } : {}),
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const requestTransfer = async (fromAccountId: string, toAccountId: string, amount: number) => {
    const res = await post('/transfers', { fromAccountId, toAccountId, amount });
    expect(res.status).toBe(202);
    return res.body.transferId as string;
  };
  /** Waits for the injected SIGKILL. */
  async function crashed(process: AppProcess): Promise<void> {
    const outcome = await Promise.race([
      process.exited,
      new Promise((r) => setTimeout(() => r('still running'), 60_000)),
    ]);
    expect({ outcome, output: outcome === 'SIGKILL' ? '' : process.output() }).toEqual({
      outcome: 'SIGKILL',
      output: '',
    });
  }

  beforeAll(async () => {
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    await sagaGroupAtEnd(groupId);
    db = testPool(2);
  }, 60_000);
  afterEach(async () => {
    await app?.kill('SIGKILL');
    app = undefined;
  });
  afterAll(async () => {
    await db.end();
  });

  it('resumes after a crash between the debit and recording it: credited once, COMPLETED', async () => {
    const crashing = await start('debit');
    const [from, to] = [await open(1_000), await open()];
    const transferId = await requestTransfer(from, to, 300);
    await crashed(crashing);
    expect((await transferFromStore(db, transferId)).events).toEqual(['TransferRequested']);
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([
      { accountId: from, type: 'MoneyWithdrawn', amount: 300 },
    ]);

    await start();
    const [record] = await settled(db, [transferId]);
    expect(record.events).toEqual([
      'TransferRequested',
      'TransferDebited',
      'TransferCredited',
      'TransferCompleted',
    ]);
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([
      { accountId: from, type: 'MoneyWithdrawn', amount: 300 },
      { accountId: to, type: 'MoneyDeposited', amount: 300 },
    ]);
    expect([await storedBalance(db, from), await storedBalance(db, to)]).toEqual([700, 300]);
  }, 120_000);

  it('resumes after a crash between the credit and recording it: not credited twice, COMPLETED', async () => {
    const crashing = await start('credit');
    const [from, to] = [await open(1_000), await open()];
    const transferId = await requestTransfer(from, to, 400);
    await crashed(crashing);
    expect((await transferFromStore(db, transferId)).events).toEqual([
      'TransferRequested',
      'TransferDebited',
    ]);

    await start();
    const [record] = await settled(db, [transferId]);
    expect(record.outcome).toBe('COMPLETED');
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([
      { accountId: from, type: 'MoneyWithdrawn', amount: 400 },
      { accountId: to, type: 'MoneyDeposited', amount: 400 },
    ]);
    expect([await storedBalance(db, from), await storedBalance(db, to)]).toEqual([600, 400]);
  }, 120_000);

  it('resumes after a crash between the refund and recording it: refunded once, FAILED', async () => {
    const crashing = await start('refund');
    const from = await open(1_000);
    const transferId = await requestTransfer(from, randomUUID(), 250);
    await crashed(crashing);
    expect((await transferFromStore(db, transferId)).events).toEqual([
      'TransferRequested',
      'TransferDebited',
      'TransferFailed',
    ]);

    await start();
    const [record] = await settled(db, [transferId]);
    expect(record).toEqual({
      events: ['TransferRequested', 'TransferDebited', 'TransferFailed', 'TransferRefunded'],
      finished: true,
      outcome: 'FAILED',
      reason: 'TARGET_ACCOUNT_NOT_FOUND',
    });
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([
      { accountId: from, type: 'MoneyWithdrawn', amount: 250 },
      { accountId: from, type: 'MoneyDeposited', amount: 250 },
    ]);
    expect(await storedBalance(db, from)).toBe(1_000);
  }, 120_000);

  it('keeps every transfer whole when killed at random moments under load', async () => {
    let current = await start();
    const accounts = await Promise.all(Array.from({ length: 6 }, () => open(1_000)));
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          requestTransfer(accounts[(round + i) % 6], accounts[(round + i + 1 + (i % 5)) % 6], 10 + i * 7),
        ),
      );
      ids.push(...batch);
      await new Promise((r) => setTimeout(r, 50 + round * 40));
      await current.kill('SIGKILL');
      current = await start();
    }
    const records = await settled(db, ids, 90_000);
    expect(records.filter((r) => !r.finished)).toEqual([]);
    const total = (await Promise.all(accounts.map((a) => storedBalance(db, a)))).reduce((a, b) => a + b, 0);
    expect(total).toBe(6_000);
    const movements = await movementsOf(db, ids);
    for (const [i, id] of ids.entries()) {
      const types = movements.get(id)!.map((m) => m.type);
      expect({ id, types }).toEqual({
        id,
        types: records[i].outcome === 'COMPLETED' ? ['MoneyWithdrawn', 'MoneyDeposited'] : [],
      });
    }
  }, 240_000);
});
