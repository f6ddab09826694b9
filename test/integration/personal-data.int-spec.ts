/**
 * Personal data by crypto-shredding (SPEC §8), through the real pipeline:
 * command-service (relay embedded) → Postgres → Kafka → projector → read
 * models → query-service. The owner name is stored and published on the
 * internal topic only sealed, never on the public topic; erasing the customer
 * destroys its data key, after which event replays, the read models and a
 * rebuild from scratch show "[erased]" while balances and histories stay.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACCOUNT_UPCASTERS, PERSONAL_DATA_FIELDS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import {
  createPersonalDataVault,
  DEV_PERSONAL_DATA_MASTER_KEY,
  ERASED,
  isSealed,
  PostgresEventStore,
  UpcasterRegistry,
  type PersonalDataVault,
} from '@cqrs-bank/event-store';
import { signJwt } from '@cqrs-bank/platform';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { LedgerConsumer } from '../../apps/projector/src/ledger/ledger-consumer.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import { ProjectionRebuilder } from '../../apps/projector/src/rebuild/projection-rebuilder.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { call, type ApiResponse } from '../support/api.js';
import { testConfig, testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { collect, createTopics, spawnApp, type Received } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

type Body = Record<string, unknown>;

describe('personal data (crypto-shredding)', () => {
  let commands: RunningApp;
  let projector: RunningApp;
  let queries: RunningApp;
  let db: pg.Pool;
  let store: PostgresEventStore;
  let vault: PersonalDataVault;
  let kafka: { messages: Received[]; stop(): Promise<void> };

  const teller = bearer('teller-shred', ['teller']);
  const admin = bearer('admin-shred', ['admin']);
  const owner = `cust-${randomUUID()}`;
  const other = `cust-${randomUUID()}`;
  // Unique per run, so a search of a whole table or topic finds only this suite's copies.
  const NAME = `Zelda Shredworth ${randomUUID().slice(0, 8)}`;
  const OTHER_NAME = `Otto Keepsake ${randomUUID().slice(0, 8)}`;
  let account: string;
  let second: string;
  let control: string;

  const command = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    call<Body>(commands.url, method, path, { headers, ...(body === undefined ? {} : { body }) });
  const erase = (ownerId: string, headers: Record<string, string> = teller) =>
    command('DELETE', `/customers/${encodeURIComponent(ownerId)}/personal-data`, headers);
  const summary = (id: string, minVersion = 1) =>
    call<Body>(queries.url, 'GET', `/accounts/${id}?minVersion=${minVersion}`, { headers: teller });
  const open = async (ownerId: string, ownerName: string, initialDeposit?: number) => {
    const res = await command('POST', '/accounts', teller, {
      ownerId,
      ownerName,
      currency: 'EUR',
      ...(initialDeposit ? { initialDeposit } : {}),
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const customerEvents = async (ownerId: string) =>
    (
      await db.query<{ type: string; data: Body; schema_version: number }>(
        'SELECT type, data, schema_version FROM events WHERE stream_id = $1 ORDER BY version',
        [`customer-${ownerId}`],
      )
    ).rows;
  const keyRow = async (ownerId: string) =>
    (
      await db.query<{ wrapped_key: Buffer | null; erased_at: Date | null }>(
        'SELECT wrapped_key, erased_at FROM personal_data_keys WHERE owner_id = $1',
        [ownerId],
      )
    ).rows[0];
  const ownerNameInStore = async (accountId: string) => {
    const events = await store.readStream(`account-${accountId}`);
    const [opened] = await vault.revealEvents(events.filter((e) => e.type === 'AccountOpened'));
    return opened.data.ownerName;
  };
  const expectProblem = (res: ApiResponse<Body>, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, code });
  };

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    db = testPool(6);
    const upcasters = new UpcasterRegistry();
    for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);
    store = new PostgresEventStore(db, { internalTopic: TOPICS.ledgerInternal, upcasters });
    vault = createPersonalDataVault(db, testConfig(), PERSONAL_DATA_FIELDS);
    kafka = await collect([TOPICS.ledgerInternal, TOPICS.accountEvents], { fromNow: true });
    projector = await startApp(ProjectorModule);
    await projector.app.get(LedgerConsumer).assigned;
    commands = await startApp(CommandServiceModule);
    queries = await startApp(QueryServiceModule);

    account = await open(owner, NAME, 5_000);
    expect((await command('POST', '/deposit', teller, { accountId: account, amount: 700 })).status).toBe(200);
    expect((await command('POST', '/withdraw', teller, { accountId: account, amount: 200 })).status).toBe(
      200,
    );
    second = await open(owner, NAME);
    control = await open(other, OTHER_NAME, 100);
  }, 90_000);

  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    await kafka?.stop();
    await commands?.close();
    await queries?.close();
    await projector?.close();
    await db?.end();
  });

  describe('before erasure', () => {
    it('stores the owner name only sealed (AES-256-GCM under the owner’s data key), as AccountOpened v3', async () => {
      const { rows } = await db.query<{ data: Body; schema_version: number }>(
        `SELECT data, schema_version FROM events WHERE stream_id = $1 AND type = 'AccountOpened'`,
        [`account-${account}`],
      );
      expect(rows[0].schema_version).toBe(3);
      expect(isSealed(rows[0].data.ownerName)).toBe(true);
      expect(rows[0].data.ownerId).toBe(owner);
      // Nowhere in the event store, the outbox, the snapshots or the idempotency records.
      for (const [table, column] of [
        ['events', 'data'],
        ['events', 'metadata'],
        ['outbox', 'payload'],
        ['snapshots', 'state'],
        ['idempotency_keys', 'response'],
      ]) {
        const { rows: hits } = await db.query(`SELECT 1 FROM ${table} WHERE ${column}::text LIKE $1`, [
          `%${NAME}%`,
        ]);
        expect({ table, hits: hits.length }).toEqual({ table, hits: 0 });
      }
      const key = await keyRow(owner);
      expect(key.wrapped_key).toHaveLength(60);
      expect(key.erased_at).toBeNull();
    });

    it('publishes the sealed form on the internal topic, exactly as stored', async () => {
      const { rows } = await db.query<{ event_id: string; data: Body }>(
        `SELECT event_id, data FROM events WHERE stream_id = $1 AND type = 'AccountOpened'`,
        [`account-${account}`],
      );
      const find = () =>
        kafka.messages.find((m) => m.topic === TOPICS.ledgerInternal && m.value.eventId === rows[0].event_id);
      expect(await eventually(async () => find() !== undefined, 20_000)).toBe(true);
      const message = find()!;
      expect(message.key).toBe(`account-${account}`);
      expect((message.value.data as Body).ownerName).toBe(rows[0].data.ownerName);
      expect(JSON.stringify(message.value)).not.toContain(NAME);
    });

    it('never publishes the name (nor the owner id) on the public topic', async () => {
      const ours = () => kafka.messages.filter((m) => m.topic === TOPICS.accountEvents && m.key === account);
      expect(await eventually(async () => ours().length >= 3, 20_000)).toBe(true);
      for (const m of ours()) {
        const raw = JSON.stringify({ value: m.value, headers: m.headers });
        expect(raw).not.toContain(NAME);
        expect(raw).not.toContain('Zelda');
        expect(raw).not.toContain(owner);
      }
    });

    it('opens the name for readers that hold the key: event replays, read models, GET /accounts/:id', async () => {
      expect(await ownerNameInStore(account)).toBe(NAME);
      const res = await summary(account, 3);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accountId: account, ownerName: NAME, balance: 5_500, version: 3 });
      expect((await summary(control)).body.ownerName).toBe(OTHER_NAME);
    });
  });

  describe('DELETE /customers/:ownerId/personal-data refuses', () => {
    it('a caller without a token (401) and a customer, even the owner itself (403), writing nothing', async () => {
      expectProblem(await erase(owner, {}), 401, 'UNAUTHENTICATED');
      expectProblem(await erase(owner, bearer(owner, ['customer'])), 403, 'FORBIDDEN');
      expect(await customerEvents(owner)).toEqual([]);
      expect((await keyRow(owner)).wrapped_key).not.toBeNull();
    });

    it.each([
      ['an owner id with a space', 'cust with-space'],
      ['an owner id longer than 200 characters', `cust-${'x'.repeat(200)}`],
      ['a non-ASCII owner id', 'cust-ünïcode'],
    ])('%s with 400 VALIDATION_FAILED, writing nothing', async (_case, ownerId) => {
      expectProblem(await erase(ownerId), 400, 'VALIDATION_FAILED');
      expect(await customerEvents(ownerId)).toEqual([]);
      expect(await keyRow(ownerId)).toBeUndefined();
    });
  });

  it('accepts an owner id of the longest length an account accepts (200 characters)', async () => {
    const longest = `cust-${'y'.repeat(195)}`;
    expect((await erase(longest)).status).toBe(204);
    expect(await customerEvents(longest)).toHaveLength(1);
  });

  describe('after erasure', () => {
    let balanceBefore: Body;
    let historyBefore: Body;

    beforeAll(async () => {
      balanceBefore = (await summary(account, 3)).body;
      historyBefore = (
        await call<Body>(queries.url, 'GET', `/accounts/${account}/transactions`, { headers: teller })
      ).body;
      const res = await erase(owner);
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
    });

    it('destroyed the key and recorded one CustomerPersonalDataErased, without the name', async () => {
      const key = await keyRow(owner);
      expect(key.wrapped_key).toBeNull();
      expect(key.erased_at).toBeInstanceOf(Date);
      const events = await customerEvents(owner);
      expect(events).toEqual([
        { type: 'CustomerPersonalDataErased', data: { ownerId: owner }, schema_version: 1 },
      ]);
    });

    it('is idempotent: erasing again answers 204 and records nothing more', async () => {
      expect((await erase(owner, admin)).status).toBe(204);
      expect((await erase(owner)).status).toBe(204);
      expect(await customerEvents(owner)).toHaveLength(1);
    });

    it('leaves the events untouched, but their ciphertext no longer opens: replays read "[erased]"', async () => {
      const { rows } = await db.query<{ data: Body }>(
        `SELECT data FROM events WHERE stream_id = $1 AND type = 'AccountOpened'`,
        [`account-${account}`],
      );
      expect(isSealed(rows[0].data.ownerName)).toBe(true);
      expect(await ownerNameInStore(account)).toBe(ERASED);
      expect(await ownerNameInStore(second)).toBe(ERASED);
      expect(await ownerNameInStore(control)).toBe(OTHER_NAME);
    });

    it('shows "[erased]" on every account of the owner, with balance and history unchanged', async () => {
      const erased = async () =>
        (await summary(account)).body.ownerName === ERASED &&
        (await summary(second)).body.ownerName === ERASED;
      expect(await eventually(erased, 20_000)).toBe(true);
      expect((await summary(account)).body).toEqual({ ...balanceBefore, ownerName: ERASED });
      const history = await call<Body>(queries.url, 'GET', `/accounts/${account}/transactions`, {
        headers: teller,
      });
      expect(history.body).toEqual(historyBefore);
      expect((history.body.transactions as Body[]).map((t) => [t.version, t.balanceAfter]).sort()).toEqual([
        [1, 5_000],
        [2, 5_700],
        [3, 5_500],
      ]);
      expect((await summary(control)).body.ownerName).toBe(OTHER_NAME);
      const { rows } = await db.query('SELECT 1 FROM account_balance WHERE owner_name = $1', [NAME]);
      expect(rows).toHaveLength(0);
    });

    it('publishes the erasure on the internal topic only', async () => {
      const erasure = () =>
        kafka.messages.filter(
          (m) => m.key === `customer-${owner}` && m.value.type === 'CustomerPersonalDataErased',
        );
      expect(await eventually(async () => erasure().length > 0, 20_000)).toBe(true);
      expect(erasure().every((m) => m.topic === TOPICS.ledgerInternal)).toBe(true);
    });

    it('keeps the accounts working, and refuses to store a new name for the erased customer', async () => {
      const deposit = await command('POST', '/deposit', teller, { accountId: account, amount: 1 });
      expect(deposit.status).toBe(200);
      expect(deposit.body).toMatchObject({ balance: 5_501, version: 4 });
      const refused = await command('POST', '/accounts', teller, {
        ownerId: owner,
        ownerName: NAME,
        currency: 'EUR',
      });
      expectProblem(refused, 422, 'PERSONAL_DATA_ERASED');
      expect(JSON.stringify(refused.body)).not.toContain(NAME);
      const { rows } = await db.query(
        `SELECT 1 FROM events WHERE type = 'AccountOpened' AND data->>'ownerId' = $1`,
        [owner],
      );
      expect(rows).toHaveLength(2); // the two accounts opened before the erasure
    });

    it('still shows "[erased]" after the read models are rebuilt from the event store', async () => {
      const rebuilder = new ProjectionRebuilder(db, store, registry(), vault);
      await rebuilder.rebuild({ target: 'all', restart: true });
      const { rows } = await db.query<{ account_id: string; owner_name: string; balance: string }>(
        'SELECT account_id, owner_name, balance FROM account_balance WHERE account_id = ANY($1::uuid[])',
        [[account, second, control]],
      );
      const byId = new Map(rows.map((r) => [r.account_id, r]));
      expect(byId.get(account)).toMatchObject({ owner_name: ERASED, balance: '5501' });
      expect(byId.get(second)).toMatchObject({ owner_name: ERASED, balance: '0' });
      expect(byId.get(control)).toMatchObject({ owner_name: OTHER_NAME, balance: '100' });
      const res = await summary(account, 4);
      expect(res.body).toMatchObject({ ownerName: ERASED, balance: 5_501, version: 4 });
    }, 120_000);
  });

  describe('events written before sealing (AccountOpened v2, plain text)', () => {
    it('read as they are until the owner is erased, then as "[erased]"', async () => {
      const legacyOwner = `cust-${randomUUID()}`;
      const accountId = randomUUID();
      await store.append({
        streamId: `account-${accountId}`,
        streamType: 'account',
        expectedVersion: 0,
        events: [
          {
            eventId: randomUUID(),
            type: 'AccountOpened',
            schemaVersion: 2,
            data: {
              accountId,
              ownerId: legacyOwner,
              ownerName: 'Legacy Plain',
              currency: 'EUR',
              initialDeposit: 0,
            },
            metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' },
          },
        ],
      });
      const [before] = await store.readStream(`account-${accountId}`);
      expect(before.schemaVersion).toBe(3);
      expect(await ownerNameInStore(accountId)).toBe('Legacy Plain');
      expect((await erase(legacyOwner)).status).toBe(204);
      expect(await ownerNameInStore(accountId)).toBe(ERASED);
    });
  });
});

describe('logs of a real command-service process', () => {
  it('never contain an owner name, key material, a bearer token or the JWT secret, at the most verbose level', async () => {
    const name = `Lara Logless ${randomUUID().slice(0, 8)}`;
    const ownerId = `cust-${randomUUID()}`;
    const app = await spawnApp('command-service', {
      LOG_LEVEL: 'trace',
      JWT_SECRET: TEST_JWT_SECRET,
      OUTBOX_RELAY: 'off',
    });
    let db: pg.Pool | undefined;
    try {
      expect(await eventually(async () => (await fetch(`${app.url}/health/live`)).ok, 30_000)).toBe(true);
      const teller = bearer('teller-logs', ['teller']);
      const post = (path: string, body: unknown) =>
        call<Body>(app.url, 'POST', path, { headers: teller, body });
      const opened = await post('/accounts', {
        ownerId,
        ownerName: name,
        currency: 'EUR',
        initialDeposit: 10,
      });
      expect(opened.status).toBe(201);
      // Refused requests carrying the name: validation, and an unknown field.
      expect((await post('/accounts', { ownerId, ownerName: name, currency: 'XXX1' })).status).toBe(400);
      expect((await post('/accounts', { ownerId, ownerName: name, currency: 'EUR', x: name })).status).toBe(
        400,
      );
      db = testPool(1);
      const { rows } = await db.query<{ wrapped_key: Buffer }>(
        'SELECT wrapped_key FROM personal_data_keys WHERE owner_id = $1',
        [ownerId],
      );
      const wrapped = rows[0].wrapped_key;
      const erased = await call(app.url, 'DELETE', `/customers/${ownerId}/personal-data`, {
        headers: teller,
      });
      expect(erased.status).toBe(204);
      expect((await post('/accounts', { ownerId, ownerName: name, currency: 'EUR' })).status).toBe(422);
      // Refused tokens: one signed with another secret, and junk.
      const forged = signJwt(
        { sub: 'teller-logs', roles: ['teller'], exp: Math.floor(Date.now() / 1000) + 60 },
        { alg: 'HS256', secret: 'a-forger-secret-of-at-least-32-characters' },
      );
      const junk = `junk-token-${randomUUID()}`;
      for (const authorization of [`Bearer ${forged}`, `Bearer ${junk}`]) {
        const refused = await call(app.url, 'POST', '/deposit', {
          headers: { authorization },
          body: { accountId: randomUUID(), amount: 1 },
        });
        expect(refused.status).toBe(401);
      }
      expect(await app.kill('SIGTERM')).toBe(0);
      const output = app.output();
      expect(output).toContain('"msg":"request"');
      expect(output).toContain('"status":401');
      for (const secret of [
        name,
        'Lara',
        wrapped.toString('base64'),
        wrapped.toString('hex'),
        DEV_PERSONAL_DATA_MASTER_KEY.toString('base64'),
        DEV_PERSONAL_DATA_MASTER_KEY.toString('hex'),
        TEST_JWT_SECRET,
        teller.authorization.slice('Bearer '.length),
        teller.authorization.split('.')[2],
        forged,
        forged.split('.')[2],
        junk,
      ]) {
        expect(output.includes(secret)).toBe(false);
      }
    } finally {
      await app.kill('SIGKILL');
      await db?.end();
    }
  }, 90_000);
});

function registry(): UpcasterRegistry {
  const upcasters = new UpcasterRegistry();
  for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);
  return upcasters;
}
