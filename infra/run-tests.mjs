#!/usr/bin/env node
// `npm test`: runs every Jest project (unit, integration) in native ESM mode.
// The integration project's global setup brings up Postgres and Kafka itself
// (infra/), so this works on a fresh machine with no configuration.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
// Fault tests run the apps as real child processes from dist/: build first.
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const child = spawn(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    jest,
    '--runInBand',
    // Every suite closes what it starts, but a kafkajs client caught mid-retry by
    // a broker outage can keep a timer alive after the last test; never let that
    // turn a finished run into a CI timeout.
    '--forceExit',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
