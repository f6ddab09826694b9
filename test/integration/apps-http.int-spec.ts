import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { OutboxRelayModule } from '../../apps/outbox-relay/src/outbox-relay.module.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { startApp, type RunningApp } from '../support/http.js';

const APPS: [string, Type<unknown>, string[]][] = [
  ['command-service', CommandServiceModule, ['postgres']],
  ['query-service', QueryServiceModule, ['postgres']],
  ['projector', ProjectorModule, ['postgres', 'kafka']],
  ['outbox-relay', OutboxRelayModule, ['postgres', 'kafka']],
];

describe.each(APPS)('%s over HTTP', (name, module, dependencies) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(module, name);
  });
  afterAll(async () => {
    await running.close();
  });

  it('is live', async () => {
    const res = await fetch(`${running.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it(`is ready when ${dependencies.join(' and ')} answer`, async () => {
    const res = await fetch(`${running.url}/health/ready`);
    const body = (await res.json()) as { status: string; details: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(Object.keys(body.details).sort()).toEqual([...dependencies].sort());
    for (const dep of dependencies) expect(body.details[dep].status).toBe('up');
  });

  it('serves Prometheus metrics, counting the requests it answered', async () => {
    await fetch(`${running.url}/health/live`);
    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(new RegExp(`http_requests_total\\{[^}]*route="/health/live"[^}]*app="${name}"`));
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves its OpenAPI document', async () => {
    const res = await fetch(`${running.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it('answers an unknown route with problem+json 404, echoing the correlation id', async () => {
    const res = await fetch(`${running.url}/no-such-route`, { headers: { 'x-correlation-id': 'corr-123' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('x-correlation-id')).toBe('corr-123');
    expect(await res.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      correlationId: 'corr-123',
      instance: '/no-such-route',
    });
  });

  it('answers malformed JSON with problem+json 400, and never a stack trace', async () => {
    const res = await fetch(`${running.url}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount": 1,',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses a body over 16 KiB with 413', async () => {
    const res = await fetch(`${running.url}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(17 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('sets security headers', async () => {
    const res = await fetch(`${running.url}/health/live`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
