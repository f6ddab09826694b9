/**
 * SPEC §7: "Commands keep succeeding while Kafka is down" — and what they
 * wrote reaches Kafka, complete and in order, once the broker is back. The
 * relay runs embedded in command-service (OUTBOX_RELAY=embedded, SPEC §1).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { TOPICS } from '@cqrs-bank/contracts';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { ensureKafka, startKafka, stopKafka } from '../../infra/kafka.mjs';
import { call } from '../support/api.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { collect, createTopics } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('command-service with its embedded relay while Kafka is down', () => {
  let app: RunningApp;
  const teller = bearer('teller-outage', ['teller']);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents], 12).catch(() => undefined);
    app = await startApp(CommandServiceModule);
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    await ensureKafka();
    await app.close();
  });

  it('keeps answering 200, then publishes everything in order once the broker returns', async () => {
    const ready = () => fetch(`${app.url}/health/ready`).then((r) => r.status);
    expect(await ready()).toBe(200);
    const consumer = await collect([TOPICS.ledgerInternal, TOPICS.accountEvents]);
    try {
      const accounts: string[] = [];
      const lastVersion = new Map<string, number>();
      for (let i = 0; i < 3; i++) {
        const res = await call<{ accountId: string; version: number }>(app.url, 'POST', '/accounts', {
          headers: teller,
          body: {
            ownerId: `cust-${randomUUID()}`,
            ownerName: 'Kim Outage',
            currency: 'EUR',
            initialDeposit: 100,
          },
        });
        expect(res.status).toBe(201);
        accounts.push(res.body.accountId);
        lastVersion.set(res.body.accountId, res.body.version);
      }

      await stopKafka();
      const statuses: number[] = [];
      const started = Date.now();
      for (let n = 0; Date.now() - started < 10_000; n++) {
        const accountId = accounts[n % accounts.length];
        const res = await call<{ version: number }>(app.url, 'POST', '/deposit', {
          headers: teller,
          body: { accountId, amount: 1 + n },
        });
        statuses.push(res.status);
        if (res.status === 200) lastVersion.set(accountId, res.body.version);
        await sleep(100);
      }
      // Readiness reports the broker; the command side does not depend on it.
      expect(await eventually(async () => (await ready()) === 503, 10_000)).toBe(true);
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses.every((s) => s === 200)).toBe(true);

      await startKafka();
      const expectedVersions = (id: string) => lastVersion.get(id)!;
      const internalOrder = (id: string) => {
        const versions = consumer.messages
          .filter((m) => m.topic === TOPICS.ledgerInternal && m.key === `account-${id}`)
          .map((m) => m.value.version as number);
        return versions.filter((v, i) => versions.indexOf(v) === i);
      };
      const arrived = await eventually(
        async () => accounts.every((id) => internalOrder(id).length === expectedVersions(id)),
        60_000,
      );
      expect(arrived).toBe(true);
      // The public topic carries the same history, keyed by account id, in order.
      const publicOrder = (id: string) => [
        ...new Set(
          consumer.messages
            .filter((m) => m.topic === TOPICS.accountEvents && m.key === id)
            .map((m) => m.value.accountVersion as number),
        ),
      ];
      expect(
        await eventually(
          async () => accounts.every((id) => publicOrder(id).length === expectedVersions(id)),
          30_000,
        ),
      ).toBe(true);
      for (const id of accounts) {
        const all = Array.from({ length: expectedVersions(id) }, (_, i) => i + 1);
        expect(internalOrder(id)).toEqual(all);
        expect(publicOrder(id)).toEqual(all);
      }
      expect(await eventually(async () => (await ready()) === 200, 30_000)).toBe(true);
    } finally {
      await consumer.stop();
    }
  });
});
