import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { expect } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = `${ROOT}dist/apps/projector/src/cli.main.js`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built projector CLI as its own process, with the test's configuration (DATABASE_URL, KAFKA_BROKERS, …). */
export function projectorCli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * How a read model (`got`) differs from the fold of the event store (`want`):
 * how many keys the fold has, how many disagree (or only one side has), and
 * the first of those with both sides, for a readable failure.
 */
export function foldDifferences<V>(want: Map<string, V>, got: Map<string, V>) {
  const ids = new Set([...want.keys(), ...got.keys()]);
  const differing = [...ids].filter((id) => !isDeepStrictEqual(want.get(id), got.get(id)));
  return {
    expected: want.size,
    differing: differing.length,
    first: differing[0] && { id: differing[0], want: want.get(differing[0]), got: got.get(differing[0]) },
  };
}

/** Fails unless the fold has entries and the read model equals it; the failure names the first that differs. */
export function expectNoFoldDifferences(diff: ReturnType<typeof foldDifferences>): void {
  expect(diff.expected).toBeGreaterThan(0);
  expect({ differing: diff.differing, first: diff.first }).toEqual({ differing: 0, first: undefined });
}
