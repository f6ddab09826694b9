import { describe, expect, it } from '@jest/globals';
import { KeyedMutex } from './keyed-mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('KeyedMutex', () => {
  it('runs tasks with the same key one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        mutex.run('a', async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          log.push(`start ${n}`);
          await tick();
          log.push(`end ${n}`);
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    expect(mutex.size).toBe(0);
  });

  it('runs different keys concurrently', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        mutex.run(k, async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await tick();
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(3);
  });

  it('keeps going after a task fails', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('a', async () => 42)).resolves.toBe(42);
    expect(mutex.size).toBe(0);
  });
});
