import { DiscoveryService } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

/**
 * An answer to some requests of a Nest route, given before Nest's pipeline
 * runs. For a route whose answer is cheap (from memory), the guards, the
 * validation pipe (class-transformer, class-validator) and the router's
 * wrappers cost more than the answer itself. A fast path takes only
 * well-formed requests from callers the route's guards would let through,
 * and leaves every other one to the route's controller, which stays the
 * route's one definition: OpenAPI, validation and its messages, refusals.
 *
 * It runs as the route's own onRequest hook, after the platform's hooks
 * (correlation id, security headers, request metrics and logs, tracing), so
 * an answer carries what every answer carries, and an error it throws or
 * rejects with is answered as the route's errors are (problem+json). It must
 * answer exactly what the controller would, applying the same rules: the
 * bearer token (JwtVerifier, at least one role), the caller's rights,
 * CallerRateLimit (asked once the request is taken, so each request is
 * counted once, by whichever of the two answers it).
 */
export interface RouteFastPath {
  /** The route's method; only GET routes have one. */
  readonly method: 'GET';
  /** The route's path as its controller declares it, e.g. `/balance`. */
  readonly url: string;
  /** False: the route is left to its controller entirely (a setting turned it off). */
  readonly enabled: boolean;
  /**
   * false: not taken, nothing sent, the controller answers. true: answered.
   * A promise: taken, answered when it settles (a rejection as an error of the route).
   */
  answer(request: FastifyRequest, reply: FastifyReply): boolean | Promise<void>;
}

/** Marks a provider that implements RouteFastPath: createHttpApp attaches it to its route. */
export const FastPath = DiscoveryService.createDecorator<void>();

/** The enabled fast paths among the app's providers. */
export function discoverFastPaths(discovery: DiscoveryService): RouteFastPath[] {
  return discovery
    .getProviders({ metadataKey: FastPath.KEY })
    .map((wrapper) => wrapper.instance as RouteFastPath)
    .filter((fastPath) => fastPath.enabled);
}

/**
 * Attaches each fast path to its route as Nest registers it. The app refuses
 * to start (its `ready` fails) if a fast path found no route: a fast path
 * that silently never runs would only show up as a slower service.
 */
export function attachFastPaths(
  fastify: FastifyInstance,
  fastPaths: readonly RouteFastPath[],
  answered: (fastPath: RouteFastPath) => void,
): void {
  if (fastPaths.length === 0) return;
  const unattached = new Set(fastPaths);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const fastPath of fastPaths) {
      if (route.url !== fastPath.url || !methods.includes(fastPath.method)) continue;
      const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
      route.onRequest = [...own, hookOf(fastPath, answered)];
      unattached.delete(fastPath);
    }
  });
  fastify.addHook('onReady', (done) => {
    const missing = [...unattached].map((fastPath) => `${fastPath.method} ${fastPath.url}`);
    done(missing.length === 0 ? undefined : new Error(`No route for the fast path of ${missing.join(', ')}`));
  });
}

function hookOf(fastPath: RouteFastPath, answered: (fastPath: RouteFastPath) => void): onRequestHookHandler {
  return (request, reply, done) => {
    let taken: boolean | Promise<void>;
    try {
      taken = fastPath.answer(request, reply);
    } catch (err) {
      // Answered as any error of the route is (problem+json), never retried through the controller.
      done(err as Error);
      return;
    }
    if (taken === false) {
      done();
      return;
    }
    answered(fastPath);
    if (taken !== true) taken.catch((err: unknown) => done(err as Error));
  };
}
