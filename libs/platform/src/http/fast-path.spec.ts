import { describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { attachFastPaths, type RouteFastPath } from './fast-path.js';

/**
 * Answers `?fast=yes` itself, `?fast=later` a moment later, `?fast=fails` with an
 * error a moment later; leaves anything else to the route.
 */
function fastPath(url = '/thing', fail = false): RouteFastPath {
  return {
    method: 'GET',
    url,
    enabled: true,
    answer(request: FastifyRequest, reply: FastifyReply): boolean | Promise<void> {
      if (fail) throw new Error('fast path broke');
      const fast = (request.query as Record<string, string>).fast;
      if (fast === 'yes') {
        void reply.send({ by: 'fast path' });
        return true;
      }
      const later = new Promise((resolve) => setTimeout(resolve, 5));
      if (fast === 'later') return later.then(() => void reply.send({ by: 'fast path, later' }));
      if (fast === 'fails') return later.then(() => Promise.reject(new Error('gave up')));
      return false;
    },
  };
}

async function app(fastPaths: RouteFastPath[]) {
  const answered: string[] = [];
  const fastify = Fastify();
  attachFastPaths(fastify, fastPaths, ({ url }) => answered.push(url));
  fastify.get('/thing', async () => ({ by: 'route' }));
  fastify.post('/thing', async () => ({ by: 'post route' }));
  fastify.get('/other', async () => ({ by: 'other route' }));
  fastify.setErrorHandler((err: Error, _request, reply) => reply.code(500).send({ error: err.message }));
  // Over a socket: light-my-request (inject) cannot load under Jest's ESM mode.
  const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
  const get = async (url: string, method: 'GET' | 'POST' = 'GET') =>
    (await (await fetch(`${base}${url}`, { method })).json()) as Record<string, string>;
  return { fastify, answered, get };
}

describe('attachFastPaths', () => {
  it("answers what the fast path answers, and leaves the rest to the route's handler", async () => {
    const { fastify, answered, get } = await app([fastPath()]);
    expect(await get('/thing?fast=yes')).toEqual({ by: 'fast path' });
    expect(await get('/thing?fast=no')).toEqual({ by: 'route' });
    expect(answered).toEqual(['/thing']);
    await fastify.close();
  });

  it('answers when a promise settles: its result, or its error through the error handler', async () => {
    const { fastify, answered, get } = await app([fastPath()]);
    expect(await get('/thing?fast=later')).toEqual({ by: 'fast path, later' });
    expect(await get('/thing?fast=fails')).toEqual({ error: 'gave up' });
    expect(answered).toEqual(['/thing', '/thing']);
    await fastify.close();
  });

  it('touches no other route nor another method of its path', async () => {
    const { fastify, answered, get } = await app([fastPath()]);
    expect(await get('/other?fast=yes')).toEqual({ by: 'other route' });
    expect(await get('/thing?fast=yes', 'POST')).toEqual({ by: 'post route' });
    expect(answered).toEqual([]);
    await fastify.close();
  });

  it("hands a fast path's error to the error handler instead of running the route", async () => {
    const { fastify, answered, get } = await app([fastPath('/thing', true)]);
    expect(await get('/thing?fast=no')).toEqual({ error: 'fast path broke' });
    expect(answered).toEqual([]);
    await fastify.close();
  });

  it('refuses to start when a fast path has no route', async () => {
    await expect(app([fastPath('/thing'), fastPath('/missing')])).rejects.toThrow(
      'No route for the fast path of GET /missing',
    );
  });
});
