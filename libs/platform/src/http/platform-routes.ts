import type { FastifyRequest } from 'fastify';

/**
 * The platform's own routes (probes, scrapers, API docs). They answer without
 * a token and are never rate limited; their controllers live in the platform,
 * so guards know them by path.
 */
const PLATFORM_PATH_PREFIXES = ['/health', '/metrics', '/docs'];

/** True for a path (or route template) of the platform's own routes. */
export function isPlatformPath(path: string): boolean {
  return PLATFORM_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export function isPlatformRoute(request: FastifyRequest): boolean {
  // The matched route's template, not the raw URL, so no spelling of a URL can borrow its openness.
  return isPlatformPath(request.routeOptions?.url ?? request.url.split('?')[0] ?? '');
}
