// Scenario `withdraw-http`: POST /withdraw against the built command-service
// (`node dist/apps/command-service/src/main.js`, production mode, its own
// process), 64 autocannon connections, a random account and a bearer token on
// every request. Only 2xx answers count as operations; the rest are reported.
import autocannon from 'autocannon';
import { openAccountsOverHttp, startHttpService, tellerToken } from '../lib/command-service.mjs';
import { pick } from '../lib/load.mjs';
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

    const options = {
      url: service.url,
      connections: CONNECTIONS,
      // Latency percentiles of the answers that count (2xx), like the other rows.
      excludeErrorStats: true,
      requests: [
        {
          method: 'POST',
          path: '/withdraw',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ accountId: pick(accounts), amount: 1 }),
          }),
        },
      ],
    };
    if (settings.warmupSeconds > 0) {
      log(`warming up for ${settings.warmupSeconds} s`);
      await autocannon({ ...options, duration: settings.warmupSeconds });
    }
    log(`${CONNECTIONS} connections posting /withdraw for ${settings.seconds} s`);
    const result = await autocannon({ ...options, duration: settings.seconds });

    const byStatus = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, Number(count)]),
    );
    const ok = Object.entries(byStatus)
      .filter(([status]) => status.startsWith('2'))
      .reduce((sum, [, count]) => sum + count, 0);
    const non2xx = Object.fromEntries(Object.entries(byStatus).filter(([status]) => !status.startsWith('2')));
    return [
      {
        name: 'withdraw-http',
        ops: ok,
        seconds: result.duration,
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
        details: {
          connections: CONNECTIONS,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        },
      },
    ];
  } finally {
    const code = await service.stop();
    if (code !== 0) log(`command-service exited ${code} after SIGTERM:\n${service.output()}`);
  }
}
