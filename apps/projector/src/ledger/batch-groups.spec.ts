import { describe, expect, it } from '@jest/globals';
import { BatchGroups } from './batch-groups.js';

/** A run the test ends by hand, recording each group it was given. */
function recorder() {
  const groups: string[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const run = (batches: string[]) =>
    new Promise<void>((resolve, reject) => {
      groups.push(batches);
      finish.push((error) => (error ? reject(error) : resolve()));
    });
  return { groups, finish, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchGroups', () => {
  it('runs a lone batch at once', async () => {
    const { groups, finish, run } = recorder();
    const done = new BatchGroups(run).submit('a');
    expect(groups).toEqual([['a']]);
    finish[0]();
    await expect(done).resolves.toBeUndefined();
  });

  it('runs the batches submitted meanwhile together, once the running group ended', async () => {
    const { groups, finish, run } = recorder();
    const batches = new BatchGroups(run);
    const a = batches.submit('a');
    const b = batches.submit('b');
    const c = batches.submit('c');
    expect(groups).toEqual([['a']]);
    let bDone = false;
    void b.then(() => (bDone = true));
    finish[0]();
    await a;
    await tick();
    expect(groups).toEqual([['a'], ['b', 'c']]);
    expect(bDone).toBe(false);
    finish[1]();
    await expect(Promise.all([b, c])).resolves.toEqual([undefined, undefined]);
    const d = batches.submit('d');
    expect(groups).toEqual([['a'], ['b', 'c'], ['d']]);
    finish[2]();
    await d;
  });

  it('fails every batch of a failed group with its error, and goes on with the next group', async () => {
    const { groups, finish, run } = recorder();
    const batches = new BatchGroups(run);
    const a = batches.submit('a');
    const b = batches.submit('b');
    const c = batches.submit('c');
    finish[0]();
    await a;
    await tick();
    const poison = new Error('poison in b');
    finish[1](poison);
    await expect(b).rejects.toBe(poison);
    await expect(c).rejects.toBe(poison);
    const d = batches.submit('d');
    expect(groups.at(-1)).toEqual(['d']);
    finish[2]();
    await expect(d).resolves.toBeUndefined();
  });
});
