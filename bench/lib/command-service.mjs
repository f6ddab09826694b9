// The command-service as the scenarios drive it: booted inside this process
// (its Nest module, CommandBus and providers) or spawned from dist/ exactly as
// production runs it. Everything comes from the build (`npm run build`), so
// the bench measures the code that ships.
//
// The app reads its settings only from the environment; run.mjs gives each
// worker DATABASE_URL (the bench database), NODE_ENV=production, a JWT_SECRET
// and LOG_LEVEL before anything here loads.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { CommandServiceModule } from '../../dist/apps/command-service/src/command-service.module.js';
import { OpenAccount } from '../../dist/apps/command-service/src/accounts/open-account/open-account.command.js';
import { signJwt } from '../../dist/libs/platform/src/index.js';
import { startApp } from './apps.mjs';
import { mapConcurrently } from './load.mjs';
import { OPENING_DEPOSIT } from './settings.mjs';

/** Tellers may act on any account (SPEC §5), so one actor drives every account. */
export const BENCH_ACTOR = Object.freeze({ sub: 'bench-teller', roles: ['teller'] });

/**
 * Boots the command-service module without an HTTP listener: same providers,
 * migrations (already applied), event store pool and group commit as `main.js`.
 */
export async function bootCommandService() {
  const app = await NestFactory.createApplicationContext(CommandServiceModule, { logger: false });
  return { app, commands: app.get(CommandBus) };
}

/**
 * What the controllers build from a request (see commands/command-context.ts),
 * without an Idempotency-Key: requestHash only matters for keyed requests.
 */
export function commandContext() {
  return {
    actor: BENCH_ACTOR,
    correlationId: randomUUID(),
    commandId: randomUUID(),
    requestHash: 'bench',
  };
}

/**
 * Opens `count` accounts through the CommandBus with an opening deposit.
 * @returns {Promise<string[]>} their ids
 */
export async function openAccountsInProcess(commands, count, concurrency = 32) {
  const ids = Array.from({ length: count }, () => randomUUID());
  await mapConcurrently(ids, concurrency, async (accountId, i) => {
    const result = await commands.execute(
      new OpenAccount(accountId, `bench-owner-${i}`, 'Bench Owner', 'EUR', OPENING_DEPOSIT, commandContext()),
    );
    if (result.status !== 201) throw new Error(`opening an account answered ${result.status}`);
  });
  return ids;
}

/** A bearer token for BENCH_ACTOR, signed with the JWT_SECRET the service was given. */
export function tellerToken() {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error('JWT_SECRET is not set (run the bench through bench/run.mjs)');
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { sub: BENCH_ACTOR.sub, roles: [...BENCH_ACTOR.roles], iat: now, exp: now + 3600 },
    { alg: 'HS256', secret },
  );
}

/**
 * Starts `node dist/apps/command-service/src/main.js` on a free port and waits
 * until /health/ready answers 200 (see startApp).
 * @param {Parameters<typeof startApp>[1]} [options]
 * @returns {Promise<import('./apps.mjs').RunningApp>}
 */
export function startHttpService(options) {
  return startApp('command-service', options);
}

/**
 * Opens `count` accounts with POST /accounts.
 * @returns {Promise<string[]>} their ids
 */
export async function openAccountsOverHttp(url, token, count, concurrency = 32) {
  return mapConcurrently(Array.from({ length: count }), concurrency, async (_, i) => {
    const res = await fetch(`${url}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        ownerId: `bench-owner-${i}`,
        ownerName: 'Bench Owner',
        currency: 'EUR',
        initialDeposit: OPENING_DEPOSIT,
      }),
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`POST /accounts answered ${res.status}: ${JSON.stringify(body)}`);
    return body.accountId;
  });
}
