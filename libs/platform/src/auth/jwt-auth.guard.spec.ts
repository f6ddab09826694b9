import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BaseConfig } from '../config/base.config.js';
import { ProblemError } from '../http/problem.js';
import { JsonLogger } from '../logging/json-logger.js';
import { Public, Roles } from './auth.decorators.js';
import { signJwt } from './jwt.js';
import { JwtAuthGuard, type AuthenticatedRequest } from './jwt-auth.guard.js';
import { JwtVerifier } from './jwt-verifier.js';

const SECRET = 'guard-unit-test-secret-at-least-32-characters';

class Routes {
  @Public()
  open(): void {}
  plain(): void {}
  @Roles('admin')
  adminOnly(): void {}
}

@Public()
class PublicRoutes {
  anything(): void {}
}

const config = Object.assign(new BaseConfig(), { JWT_SECRET: SECRET });
const silent = new JsonLogger('auth-test', 'silent');
const guard = new JwtAuthGuard(new Reflector(), new JwtVerifier(config, silent));

function context(
  handler: keyof Routes | 'anything',
  request: Partial<AuthenticatedRequest>,
): { ctx: ExecutionContext; request: AuthenticatedRequest } {
  const cls = handler === 'anything' ? PublicRoutes : Routes;
  const req = { url: '/accounts', headers: {}, ...request } as AuthenticatedRequest;
  const ctx = {
    getType: () => 'http',
    getClass: () => cls,
    getHandler: () => (cls.prototype as unknown as Record<string, () => void>)[handler],
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { ctx, request: req };
}

const bearer = (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${signJwt(
    { exp: Math.floor(Date.now() / 1000) + 60, ...claims },
    { alg: 'HS256', secret: SECRET },
  )}`,
});

function refusal(handler: keyof Routes, request: Partial<AuthenticatedRequest>): ProblemError {
  try {
    guard.canActivate(context(handler, request).ctx);
  } catch (err) {
    if (err instanceof ProblemError) return err;
    throw err;
  }
  throw new Error('the request was let through');
}

describe('JwtAuthGuard', () => {
  it('lets @Public() routes and controllers through without a token', () => {
    expect(guard.canActivate(context('open', {}).ctx)).toBe(true);
    expect(guard.canActivate(context('anything', {}).ctx)).toBe(true);
  });

  it('lets the platform routes through by their route template', () => {
    for (const url of ['/health/live', '/health/ready', '/metrics', '/docs/openapi.json']) {
      const routeOptions = { url } as AuthenticatedRequest['routeOptions'];
      expect(guard.canActivate(context('plain', { url, routeOptions }).ctx)).toBe(true);
    }
    const lookalike = { url: '/healthy' } as AuthenticatedRequest['routeOptions'];
    expect(refusal('plain', { url: '/healthy', routeOptions: lookalike }).code).toBe('UNAUTHENTICATED');
  });

  it('answers 401 with a Bearer challenge without a bearer token', () => {
    for (const authorization of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz']) {
      const err = refusal('plain', { headers: { authorization } });
      expect(err.code).toBe('UNAUTHENTICATED');
      expect(err.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('answers 401 invalid_token for a token that does not verify', () => {
    const err = refusal('plain', { headers: { authorization: 'Bearer not.a.token' } });
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('attaches the verified actor, whatever the case of the scheme', () => {
    const { authorization } = bearer({ sub: 'c-1', roles: ['customer'] });
    const { ctx, request } = context('plain', {
      headers: { authorization: authorization.replace('Bearer', 'bearer') },
    });
    expect(guard.canActivate(ctx)).toBe(true);
    expect(request.actor).toEqual({ sub: 'c-1', roles: ['customer'] });
  });

  it('answers 403 for a token granting no role or an unknown one', () => {
    expect(refusal('plain', { headers: bearer({ sub: 'c-1' }) }).code).toBe('FORBIDDEN');
    expect(refusal('plain', { headers: bearer({ sub: 'c-1', roles: [] }) }).code).toBe('FORBIDDEN');
    expect(refusal('plain', { headers: bearer({ sub: 'c-1', roles: ['root'] }) }).code).toBe('FORBIDDEN');
  });

  it('enforces @Roles()', () => {
    const err = refusal('adminOnly', { headers: bearer({ sub: 't-1', roles: ['customer', 'teller'] }) });
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('admin');
    expect(
      guard.canActivate(context('adminOnly', { headers: bearer({ sub: 'a', roles: ['admin'] }) }).ctx),
    ).toBe(true);
  });

  it('leaves non-HTTP contexts alone', () => {
    const ctx = { getType: () => 'rpc' } as unknown as ExecutionContext;
    expect(guard.canActivate(ctx)).toBe(true);
  });
});
