/**
 * OpenTelemetry tracing, end to end with real processes: command-service,
 * outbox-relay, projector and query-service run with TRACING=otlp and export
 * to an OTLP/HTTP receiver in this test. A request with a `traceparent` is one
 * trace from the HTTP request to the projector — SERVER span → command →
 * event-store append → (outbox row) → relay PRODUCER span → (Kafka header) →
 * projector CONSUMER span — and the Kafka messages carry that trace. With
 * tracing off (the default), or for an unsampled trace, no message carries a
 * trace header and nothing is recorded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { accountStreamId } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import type pg from 'pg';
import { call } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually } from '../support/http.js';
import {
  SPAN_KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/otlp-receiver.js';
import {
  collect,
  consumerGroupAtEnd,
  createTopics,
  stableGroupMembers,
  spawnApp,
  spawnRelay,
  type AppProcess,
  type Received,
} from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';
import { sagaGroupAtEnd, settled } from '../support/transfers.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A caller's trace: a fresh trace id and parent span id, sampled (flags 01) unless told. */
function callerTrace(sampled = true) {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-${sampled ? '01' : '00'}` };
}

/** The span ids named by a traceparent header. */
function parseHeader(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value);
  return m ? { traceId: m[1], spanId: m[2] } : undefined;
}

describe('tracing (TRACING=otlp): one trace from HTTP to the projector', () => {
  let receiver: OtlpReceiver;
  let db: pg.Pool;
  let kafka: Awaited<ReturnType<typeof collect>>;
  let traced: AppProcess;
  let untraced: AppProcess;
  let queries: AppProcess;
  const running: AppProcess[] = [];
  const projectorGroup = `test-tracing-projector-${randomUUID()}`;
  const sagaGroup = `test-tracing-saga-${randomUUID()}`;
  const teller = bearer('teller-tracing', ['teller']);

  async function started(app: AppProcess): Promise<AppProcess> {
    running.push(app);
    const up = await eventually(async () => (await fetch(`${app.url}/health/live`)).ok, 60_000);
    if (!up) throw new Error(`an app did not start:\n${app.output()}`);
    return app;
  }

  const groupMembers = stableGroupMembers;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const tracing = { TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, LOG_LEVEL: 'warn' };
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    await consumerGroupAtEnd(projectorGroup, TOPICS.ledgerInternal);
    await sagaGroupAtEnd(sagaGroup);
    db = testPool(2);
    kafka = await collect([TOPICS.ledgerInternal, TOPICS.accountEvents], { fromNow: true });
    const common = { JWT_SECRET: TEST_JWT_SECRET, OUTBOX_RELAY: 'off', TRANSFER_SAGA: 'off' };
    [traced, untraced, queries] = await Promise.all([
      // The transfer process manager runs here, in a group of its own at the end of the topic.
      spawnApp('command-service', {
        ...common,
        ...tracing,
        TRANSFER_SAGA: 'embedded',
        TRANSFER_SAGA_GROUP_ID: sagaGroup,
        TRANSFER_SAGA_START_FROM: 'earliest',
        TRANSFER_SAGA_SESSION_TIMEOUT_MS: '6000',
      }).then(started),
      // TRACING unset: the default, off.
      spawnApp('command-service', { ...common, LOG_LEVEL: 'warn' }).then(started),
      spawnApp('query-service', { JWT_SECRET: TEST_JWT_SECRET, ...tracing }).then(started),
      // The relay sends from a worker thread (OUTBOX_SENDER_THREADS=1, the default).
      spawnRelay(tracing).then(started),
      spawnApp('projector', {
        ...tracing,
        PROJECTOR_GROUP_ID: projectorGroup,
        PROJECTOR_START_FROM: 'earliest',
        PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      }).then(started),
    ]);
    // The tests measure tracing, not how long a new consumer group takes to form.
    const joined = (groupId: string) => eventually(async () => (await groupMembers(groupId)) === 1, 90_000);
    expect(await joined(projectorGroup)).toBe(true);
    expect(await joined(sagaGroup)).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(running.map((app) => app.kill('SIGKILL')));
    await kafka?.stop();
    await db?.end();
    await receiver?.close();
  });

  const spansOf = (traceId: string): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
  const messagesOf = (accountId: string): Received[] =>
    kafka.messages.filter((m) => m.key === accountId || m.key === accountStreamId(accountId));
  /** Resolves true once the deposit (version 2) reached both topics: the internal and the public message. */
  const depositPublished = (accountId: string) =>
    eventually(
      async () =>
        messagesOf(accountId).filter((m) => m.value.accountVersion === 2 || m.value.version === 2).length ===
        2,
      30_000,
    );
  /** Internal-topic messages of a transfer: its own stream's and the account movements naming it. */
  const transferMessages = (transferId: string): Received[] =>
    kafka.messages.filter(
      (m) =>
        m.topic === TOPICS.ledgerInternal &&
        (m.key === `transfer-${transferId}` ||
          (m.value.data as { transferId?: string } | undefined)?.transferId === transferId),
    );

  async function openAccount(app: AppProcess, traceparent: string): Promise<string> {
    const res = await call(app.url, 'POST', '/accounts', {
      body: {
        ownerId: `cust-${randomUUID()}`,
        ownerName: 'Trace Able',
        currency: 'EUR',
        initialDeposit: 500,
      },
      headers: { ...teller, traceparent },
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  }

  async function deposit(app: AppProcess, accountId: string, traceparent: string): Promise<void> {
    const res = await call(app.url, 'POST', '/deposit', {
      body: { accountId, amount: 250 },
      headers: { ...teller, traceparent },
    });
    expect(res.status).toBe(200);
  }

  it('continues the caller’s trace through the command, the append, Kafka and the projector', async () => {
    const opening = callerTrace();
    const accountId = await openAccount(traced, opening.header);
    const caller = callerTrace();
    await deposit(traced, accountId, caller.header);

    // Kafka: both messages of the deposit (internal and public) carry the caller's trace.
    const internal = () =>
      messagesOf(accountId).find((m) => m.topic === TOPICS.ledgerInternal && m.value.version === 2);
    const published = () =>
      messagesOf(accountId).find((m) => m.topic === TOPICS.accountEvents && m.value.accountVersion === 2);
    expect(await eventually(async () => !!internal() && !!published(), 30_000)).toBe(true);
    const internalHeader = parseHeader(internal()!.headers.traceparent);
    const publicHeader = parseHeader(published()!.headers.ce_traceparent);
    expect(internalHeader?.traceId).toBe(caller.traceId);
    expect(publicHeader?.traceId).toBe(caller.traceId);
    // CloudEvents binary mode: the tracing extension is ce_traceparent, never a bare traceparent.
    expect(published()!.headers.traceparent).toBeUndefined();
    const opened = messagesOf(accountId).find(
      (m) => m.topic === TOPICS.ledgerInternal && m.value.version === 1,
    );
    expect(parseHeader(opened?.headers.traceparent)?.traceId).toBe(opening.traceId);

    // The spans: every hop, in one trace, each the child of the one before.
    const consumer = () =>
      spansOf(caller.traceId).find((s) => s.kind === SPAN_KIND.consumer && s.service === 'projector');
    // Each process exports on its own schedule: wait for every hop (server, command,
    // append, two sends, the projector) before reading the tree.
    expect(
      await eventually(async () => consumer() !== undefined && spansOf(caller.traceId).length === 6, 30_000),
    ).toBe(true);
    const spans = spansOf(caller.traceId);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

    const server = spans.find((s) => s.kind === SPAN_KIND.server && s.service === 'command-service');
    expect(server).toMatchObject({
      name: 'POST /deposit',
      parentSpanId: caller.parentId,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/deposit',
        'http.response.status_code': 200,
      },
    });
    const command = spans.find((s) => s.name === 'command DepositMoney');
    expect(command?.service).toBe('command-service');
    expect(parentOf(command!)).toBe(server);
    const append = spans.find((s) => s.name === 'append account');
    expect(append).toMatchObject({
      service: 'command-service',
      attributes: {
        'cqrs_bank.stream.id': accountStreamId(accountId),
        'cqrs_bank.stream.expected_version': 1,
      },
    });
    expect(parentOf(append!)).toBe(command);

    // The relay: a PRODUCER span per message, a child of the append; the Kafka header names it.
    const producers = spans.filter((s) => s.kind === SPAN_KIND.producer);
    expect(producers.map((s) => s.service)).toEqual(['outbox-relay', 'outbox-relay']);
    expect(producers.every((s) => parentOf(s) === append)).toBe(true);
    const sentInternal = producers.find(
      (s) => s.attributes['messaging.destination.name'] === TOPICS.ledgerInternal,
    );
    const sentPublic = producers.find(
      (s) => s.attributes['messaging.destination.name'] === TOPICS.accountEvents,
    );
    expect(sentInternal?.spanId).toBe(internalHeader?.spanId);
    expect(sentPublic?.spanId).toBe(publicHeader?.spanId);
    expect(sentInternal?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.kafka.message.key': accountStreamId(accountId),
    });

    // The projector: a CONSUMER span continuing the internal message's trace, applied without error.
    expect(parentOf(consumer()!)).toBe(sentInternal);
    expect(consumer()).toMatchObject({
      name: `process ${TOPICS.ledgerInternal}`,
      attributes: {
        'messaging.consumer.group.name': projectorGroup,
        'cqrs_bank.event.type': 'MoneyDeposited',
        'cqrs_bank.stream.version': 2,
      },
    });
    expect(consumer()!.status?.code ?? 0).not.toBe(2);

    // One trace, rooted at the caller: every span leads up to the server span.
    for (const span of spans) {
      let s: ReceivedSpan | undefined = span;
      while (s && s !== server) s = parentOf(s);
      expect({ span: span.name, reachesServer: s === server }).toEqual({
        span: span.name,
        reachesServer: true,
      });
    }
    expect(receiver.rejected).toEqual([]);
  });

  it('traces query-service requests too, as SERVER spans of the caller’s trace', async () => {
    const accountId = await openAccount(traced, callerTrace().header);
    const caller = callerTrace();
    const res = await call(
      queries.url,
      'GET',
      `/accounts/${accountId}/balance?at=${new Date().toISOString()}`,
      {
        headers: { ...teller, traceparent: caller.header },
      },
    );
    expect(res.status).toBeLessThan(500);
    expect(await eventually(async () => spansOf(caller.traceId).length > 0, 15_000)).toBe(true);
    expect(spansOf(caller.traceId)).toEqual([
      expect.objectContaining({
        service: 'query-service',
        kind: SPAN_KIND.server,
        name: 'GET /accounts/:id/balance',
        parentSpanId: caller.parentId,
      }),
    ]);
  });

  it('carries a transfer’s trace through the process manager’s debit and credit', async () => {
    const source = await openAccount(traced, callerTrace().header);
    const target = await openAccount(traced, callerTrace().header);
    const caller = callerTrace();
    const res = await call(traced.url, 'POST', '/transfers', {
      body: { fromAccountId: source, toAccountId: target, amount: 100 },
      headers: { ...teller, traceparent: caller.header },
    });
    expect(res.status).toBe(202);
    const transferId = res.body.transferId as string;
    const [record] = await settled(db, [transferId], 60_000);
    expect(record.outcome).toBe('COMPLETED');

    // Every internal message of the transfer — its stream's and both movements — is in the caller's trace.
    const types = () => transferMessages(transferId).map((m) => m.value.type as string);
    expect(
      await eventually(
        async () =>
          ['MoneyWithdrawn', 'MoneyDeposited', 'TransferCompleted'].every((t) => types().includes(t)),
        30_000,
      ),
    ).toBe(true);
    for (const m of transferMessages(transferId)) {
      expect({ type: m.value.type, trace: parseHeader(m.headers.traceparent)?.traceId }).toEqual({
        type: m.value.type,
        trace: caller.traceId,
      });
    }
    // The process manager's CONSUMER spans are the parents of the account commands it issued.
    const spanNamed = (name: string) => spansOf(caller.traceId).find((s) => s.name === name);
    expect(
      await eventually(
        async () => !!spanNamed('command WithdrawMoney') && !!spanNamed('command DepositMoney'),
        30_000,
      ),
    ).toBe(true);
    const byId = new Map(spansOf(caller.traceId).map((s) => [s.spanId, s]));
    for (const name of ['command WithdrawMoney', 'command DepositMoney']) {
      const parent = byId.get(spanNamed(name)!.parentSpanId!);
      expect(parent).toMatchObject({
        service: 'command-service',
        kind: SPAN_KIND.consumer,
        attributes: { 'messaging.consumer.group.name': sagaGroup },
      });
    }
  });

  it('writes no trace header for an unsampled trace, and records nothing of it', async () => {
    const accountId = await openAccount(traced, callerTrace(false).header);
    const caller = callerTrace(false);
    await deposit(traced, accountId, caller.header);
    expect(await depositPublished(accountId)).toBe(true);
    for (const m of messagesOf(accountId)) {
      expect(Object.keys(m.headers).filter((h) => h.includes('trace'))).toEqual([]);
    }
    expect(spansOf(caller.traceId)).toEqual([]);
  });

  it('with TRACING off (the default) adds no trace header to any message and records no span', async () => {
    const caller = callerTrace();
    const accountId = await openAccount(untraced, caller.header);
    await deposit(untraced, accountId, caller.header);
    expect(await depositPublished(accountId)).toBe(true);
    const messages = messagesOf(accountId);
    expect(messages.map((m) => m.topic).sort()).toEqual([
      TOPICS.accountEvents,
      TOPICS.accountEvents,
      TOPICS.ledgerInternal,
      TOPICS.ledgerInternal,
    ]);
    for (const m of messages) {
      expect(Object.keys(m.headers).filter((h) => h.includes('trace'))).toEqual([]);
    }
    // The projector applied them all the same.
    expect(
      await eventually(async () => {
        const { rows } = await db.query<{ version: string }>(
          'SELECT version FROM account_balance WHERE account_id = $1',
          [accountId],
        );
        return Number(rows[0]?.version) === 2;
      }, 30_000),
    ).toBe(true);
    // Give the exporters a round (1 s) to prove nothing of this trace is ever sent.
    await new Promise((r) => setTimeout(r, 2000));
    expect(spansOf(caller.traceId)).toEqual([]);
  });
});
