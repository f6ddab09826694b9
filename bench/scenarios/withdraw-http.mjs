// Scenario `withdraw-http`: POST /withdraw against the built command-service
// (`node dist/apps/command-service/src/main.js`, production mode, its own
// process), 64 keep-alive connections (http-load.mjs), a random account and a bearer token on
// every request. Only 2xx answers count as operations; the rest are reported.
import { stopApps } from '../lib/apps.mjs';
import { openAccountsOverHttp, startHttpService, tellerToken } from '../lib/command-service.mjs';
import { measureHttp } from '../lib/http-load.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';

const CONNECTIONS = 64;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ settings, log }) {
  log('starting the command-service');
  const service = await startHttpService();
  try {
    const token = tellerToken();
    log(`opening ${ACCOUNTS} accounts with POST /accounts`);
    const accounts = await openAccountsOverHttp(service.url, token, ACCOUNTS);
    log('posting /withdraw');
    return [
      await measureHttp({
        name: 'withdraw-http',
        url: service.url,
        connections: CONNECTIONS,
        request: {
          method: 'POST',
          path: '/withdraw',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        },
        variants: accounts.map((accountId) => ({ body: JSON.stringify({ accountId, amount: 1 }) })),
        seconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
        log,
      }),
    ];
  } finally {
    await stopApps([service], log);
  }
}
