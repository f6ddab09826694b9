import { describe, expect, it } from '@jest/globals';
import { spawn, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PORTS = [3000, 3001, 3002, 3003];

function appProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /dist\/apps\/[a-z-]+\/src\/main\.js/.test(l));
}

// `npm start` as a newcomer runs it (build skipped: `npm test` has just built dist/).
describe('npm start (infra/start.mjs)', () => {
  it('brings all four apps to ready, then stops every one of them on Ctrl-C', async () => {
    expect(appProcesses()).toEqual([]);
    const supervisor = spawn(process.execPath, ['infra/start.mjs'], {
      cwd: ROOT,
      env: { ...process.env, START_SKIP_BUILD: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    supervisor.stdout.on('data', (d: Buffer) => (output += d.toString()));
    supervisor.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor.on('exit', (code) => resolve(code)));

    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 90_000);
      supervisor.stdout.on('data', () => {
        if (output.includes('all apps ready')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void exited.then(() => resolve(false));
    });
    expect({ ready, output: ready ? '' : output }).toEqual({ ready: true, output: '' });

    const statuses = await Promise.all(
      PORTS.map(async (p) => (await fetch(`http://127.0.0.1:${p}/health/ready`)).status),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(appProcesses()).toHaveLength(4);
    const docs = await Promise.all(
      PORTS.map(async (p) => (await fetch(`http://127.0.0.1:${p}/docs`)).status),
    );
    expect(docs).toEqual([200, 200, 200, 200]);

    supervisor.kill('SIGINT');
    expect(await exited).toBe(0);
    // Every app drained and exited by itself on SIGTERM (none had to be killed).
    for (const app of ['command-service', 'query-service', 'projector', 'outbox-relay']) {
      expect(output).toContain(`${app} stopped (exit 0)`);
    }
    expect(appProcesses()).toEqual([]);
    const refused = await Promise.all(
      PORTS.map((p) =>
        fetch(`http://127.0.0.1:${p}/health/live`).then(
          () => false,
          () => true,
        ),
      ),
    );
    expect(refused).toEqual([true, true, true, true]);
  }, 150_000);
});
