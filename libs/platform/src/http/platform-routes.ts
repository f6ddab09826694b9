import type { FastifyRequest } from 'fastify';

/**
 * The platform's own routes (probes, scrapers, API docs). They answer without
 * a token and are never rate limited; their controllers live in the platform,
 * so guards know them by path.
 */
const PLATFORM_PATH_PREFIXES = ['/health', '/metrics', '/docs'];

export function isPlatformRoute(request: FastifyRequest): boolean {
  // The matched route's template, not the raw URL, so no spelling of a URL can borrow its openness.
  const path = request.routeOptions?.url ?? request.url.split('?')[0] ?? '';
  return PLATFORM_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
