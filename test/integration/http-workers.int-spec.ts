/**
 * HTTP_WORKERS (libs/platform/src/http/http-workers.ts): the built
 * query-service serving from two processes on one port — both answer, /metrics
 * counts the replica (every worker's requests, whichever worker is scraped),
 * SIGTERM stops all of it cleanly, and a worker that dies takes the replica
 * down with it (exit 1, no worker left behind).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type pg from 'pg';
import { testPool } from '../support/database.js';
import { eventually } from '../support/http.js';
import { seedAccount } from '../support/read-models.js';
import { spawnApp, type AppProcess } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

/** GET on a connection of its own: the cluster's primary hands each new connection to the next worker. */
function getOnNewConnection(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The summed samples of a counter for one route, as a scrape of the replica shows it. */
async function requestsOf(app: AppProcess, route: string): Promise<number> {
  const { body } = await getOnNewConnection(`${app.url}/metrics`);
  return body
    .split('\n')
    .filter((line) => line.startsWith('http_requests_total{') && line.includes(`route="${route}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function workerPids(app: AppProcess): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(app.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when it finds none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function started(app: AppProcess): Promise<AppProcess> {
  const up = await eventually(async () => {
    if (app.output().match(/"msg":"listening"/g)?.length !== 2) return false;
    const ready = await Promise.all([1, 2, 3, 4].map(() => getOnNewConnection(`${app.url}/health/ready`)));
    return ready.every((r) => r.status === 200) && workerPids(app).length === 2;
  }, 60_000);
  if (!up) throw new Error(`the query-service did not start:\n${app.output()}`);
  return app;
}

const twoWorkers = () =>
  spawnApp('query-service', { JWT_SECRET: TEST_JWT_SECRET, HTTP_WORKERS: '2' }).then(started);

describe('query-service with HTTP_WORKERS=2', () => {
  let db: pg.Pool;
  const owner = `cust-${randomUUID()}`;
  let accountId: string;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    db = testPool(2);
    accountId = await seedAccount(db, { ownerId: owner, balance: 700, version: 2 });
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.kill('SIGKILL')));
    await db.end();
  });

  it('answers from both workers and counts every answer in each scrape of /metrics', async () => {
    const app = await twoWorkers();
    running.push(app);
    const requests = 20;
    const answers = await Promise.all(
      Array.from({ length: requests }, () =>
        getOnNewConnection(`${app.url}/balance?accountId=${accountId}`, bearer(owner)),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(requests).fill(200));
    expect(JSON.parse(answers[0].body)).toMatchObject({ accountId, balance: 700, version: 2 });

    // Each worker logged some of them (its lines carry its number)...
    const answeredBy = () =>
      new Set(
        app
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"request"') && line.includes('"route":"/balance"'))
          .map((line) => (JSON.parse(line) as { worker?: number }).worker),
      );
    await eventually(async () => answeredBy().size === 2, 5000);
    expect([...answeredBy()].sort()).toEqual([1, 2]);
    // ...and whichever worker takes a scrape, it shows all of them.
    const scrapes = await Promise.all([1, 2, 3, 4].map(() => requestsOf(app, '/balance')));
    expect(scrapes).toEqual([requests, requests, requests, requests]);
  });

  it('stops every worker gracefully on SIGTERM and exits 0', async () => {
    const app = await twoWorkers();
    running.push(app);
    const workers = workerPids(app);
    expect(await app.kill('SIGTERM')).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    expect(app.output().match(/"msg":"stopped"/g)).toHaveLength(2);
  });

  it('stops the replica, exit 1, when one of its workers dies', async () => {
    const app = await twoWorkers();
    running.push(app);
    const [victim, other] = workerPids(app);
    process.kill(victim, 'SIGKILL');
    expect(await app.exited).toBe(1);
    expect(alive(other)).toBe(false);
    expect(app.output()).toContain('a worker stopped; stopping the others');
  });
});
