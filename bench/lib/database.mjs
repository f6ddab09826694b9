// The bench database: its URL, the app's migrations, and one-off SQL.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { BENCH_DATABASE, DIST, ROOT } from './settings.mjs';

/** The same server as `serverUrl`, database `cqrs_bank_bench`. */
export function benchDatabaseUrl(serverUrl) {
  const url = new URL(serverUrl);
  url.pathname = `/${BENCH_DATABASE}`;
  return url.toString();
}

/**
 * Applies the app's migrations with the built CLI (`npm run migrate`'s
 * program), exactly as a deployment would, so the scenarios run on the real
 * schema rather than on a copy of it.
 */
export function migrate(databaseUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'libs/event-store/src/migrate.main.js')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`migrations failed (exit ${code}): ${output.trim()}`)),
    );
  });
}

/**
 * Runs `work` with a dedicated connection, closed afterwards.
 * @template T
 * @param {string} databaseUrl
 * @param {(client: pg.Client) => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function withClient(databaseUrl, work) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
