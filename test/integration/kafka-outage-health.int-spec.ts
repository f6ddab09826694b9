import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureKafka, startKafka, stopKafka } from '../../infra/kafka.mjs';
import { OutboxRelayModule } from '../../apps/outbox-relay/src/outbox-relay.module.js';
import { LedgerConsumer } from '../../apps/projector/src/ledger/ledger-consumer.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';

async function readiness(app: RunningApp): Promise<number> {
  return (await fetch(`${app.url}/health/ready`, { signal: AbortSignal.timeout(8000) })).status;
}

// Fault injection: the real broker is stopped and started again. Requires the
// broker that infra/ manages (not an external KAFKA_BROKERS cluster).
describe('readiness follows the Kafka broker', () => {
  let relay: RunningApp;
  let projector: RunningApp;
  let query: RunningApp;

  beforeAll(async () => {
    [relay, projector, query] = await Promise.all([
      startApp(OutboxRelayModule),
      startApp(ProjectorModule),
      startApp(QueryServiceModule),
    ]);
  });
  afterAll(async () => {
    await ensureKafka();
    await Promise.all([relay.close(), projector.close(), query.close()]);
  });

  it('turns 503 within 10 s of the broker dying, and 200 again after it returns', async () => {
    expect(await readiness(relay)).toBe(200);
    expect(await readiness(projector)).toBe(200);

    const consumer = projector.app.get(LedgerConsumer);
    const joinsBefore = consumer.joins;
    await stopKafka();
    const stoppedAt = Date.now();
    const down = await eventually(
      async () => (await readiness(relay)) === 503 && (await readiness(projector)) === 503,
      10_000,
      200,
    );
    expect({ down, secondsSinceStop: down ? undefined : (Date.now() - stoppedAt) / 1000 }).toEqual({
      down: true,
      secondsSinceStop: undefined,
    });
    const body = (await (await fetch(`${relay.url}/health/ready`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      checks: { kafka: { status: 'down' }, postgres: { status: 'up' } },
    });
    // The query side does not use Kafka: it stays ready.
    expect(await readiness(query)).toBe(200);

    await startKafka();
    const up = await eventually(
      async () => (await readiness(relay)) === 200 && (await readiness(projector)) === 200,
      30_000,
      250,
    );
    expect(up).toBe(true);
    // Give the projector's consumer a moment to re-form its group if the outage broke it,
    // so that closing the app does not interrupt a kafkajs rejoin (not every outage does).
    await eventually(async () => consumer.joins > joinsBefore, 15_000);
  }, 120_000);
});
