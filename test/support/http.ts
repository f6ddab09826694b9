import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@cqrs-bank/platform';

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** Starts a real app module on an ephemeral port, with the platform's full HTTP behaviour. */
export async function startApp(module: Type<unknown>, title = 'test'): Promise<RunningApp> {
  const app = await createHttpApp(module, { title, swaggerUi: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}

/** Requests the app's route fast paths answered so far (http_fast_path_answers_total, all routes). */
export async function fastPathAnswers(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_fast_path_answers_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
