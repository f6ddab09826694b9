import { describe, expect, it } from '@jest/globals';
import { correlationIdFrom, requestContext } from './request-context.js';

describe('correlation ids', () => {
  it('keeps a sane caller-supplied id', () => {
    expect(correlationIdFrom('order-42')).toBe('order-42');
  });

  it.each([[undefined], [''], ['has space'], ['x'.repeat(201)], [['a', 'b']], ['line\nbreak']])(
    'mints a fresh uuid instead of %p',
    (header) => {
      expect(correlationIdFrom(header)).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('is visible to everything running inside the request, and only there', async () => {
    expect(requestContext.correlationId()).toBeUndefined();
    await requestContext.run({ correlationId: 'c-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(requestContext.correlationId()).toBe('c-1');
    });
    expect(requestContext.correlationId()).toBeUndefined();
  });
});
