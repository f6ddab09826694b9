import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import {
  AuthModule,
  BaseConfig,
  CurrentActor,
  Public,
  PlatformModule,
  Roles,
  DEV_JWT_SECRET,
  signJwt,
  verifyJwt,
  type Actor,
} from '@cqrs-bank/platform';
import { startApp, type RunningApp } from '../support/http.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'auth-integration-test-secret-0123456789abcdef';

class AuthTestConfig extends BaseConfig {
  override MIGRATIONS_RUN: string = 'false';
}

@Controller()
class AuthTestController {
  @Get('whoami')
  whoami(@CurrentActor() actor: Actor): Actor {
    return actor;
  }

  @Get('admin-only')
  @Roles('admin')
  adminOnly(@CurrentActor() actor: Actor): { sub: string } {
    return { sub: actor.sub };
  }

  @Get('open')
  @Public()
  open(): { open: true } {
    return { open: true };
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>, secret = SECRET) =>
  signJwt({ iat: nowSeconds(), exp: nowSeconds() + 300, ...claims }, { alg: 'HS256', secret });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer-token authentication over HTTP', () => {
  let running: RunningApp;
  let previousSecret: string | undefined;

  const get = (path: string, bearer?: string) =>
    fetch(
      `${running.url}${path}`,
      bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } },
    );

  async function expectUnauthenticated(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  }

  beforeAll(async () => {
    previousSecret = process.env.JWT_SECRET;
    process.env.JWT_SECRET = SECRET;
    // Declared here so the config is read after JWT_SECRET is set.
    @Module({
      imports: [PlatformModule.forRoot({ app: 'auth-test', config: AuthTestConfig }), AuthModule],
      controllers: [AuthTestController],
    })
    class AuthTestModule {}
    running = await startApp(AuthTestModule, 'auth-test');
  });

  afterAll(async () => {
    await running?.close();
    if (previousSecret === undefined) delete process.env.JWT_SECRET;
    else process.env.JWT_SECRET = previousSecret;
  });

  it('answers 401 problem+json with a Bearer challenge when no token is sent', async () => {
    const res = await get('/whoami');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    await expectUnauthenticated(res);
  });

  it('answers 401 when the Authorization header is not a bearer token', async () => {
    const res = await fetch(`${running.url}/whoami`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    await expectUnauthenticated(res);
  });

  it('answers 401 for an expired token', async () => {
    const res = await get('/whoami', token({ sub: 'c-1', roles: ['customer'], exp: nowSeconds() - 120 }));
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    await expectUnauthenticated(res);
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = token({ sub: 'c-1', roles: ['admin'] }, 'an-attacker-secret-that-is-32-characters-long');
    await expectUnauthenticated(await get('/admin-only', forged));
  });

  it('answers 401 for an unsigned alg "none" token', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'a-1', roles: ['admin'], exp: nowSeconds() + 300 })}.`;
    await expectUnauthenticated(await get('/admin-only', unsigned));
  });

  it('answers 401 for a garbage token, without echoing it', async () => {
    const res = await get('/whoami', 'this-is.not-a.jwt');
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('this-is.not-a.jwt');
  });

  it('answers a valid customer token with its actor', async () => {
    const res = await get('/whoami', token({ sub: 'customer-42', roles: ['customer'] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'customer-42', roles: ['customer'] });
  });

  it('answers 403 FORBIDDEN to a customer on an admin route', async () => {
    const res = await get('/admin-only', token({ sub: 'customer-42', roles: ['customer', 'teller'] }));
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', instance: '/admin-only' });
  });

  it('answers 403 to a token granting no role or an unknown role', async () => {
    expect((await get('/whoami', token({ sub: 'c-1', roles: [] }))).status).toBe(403);
    expect((await get('/whoami', token({ sub: 'c-1', roles: ['superuser'] }))).status).toBe(403);
  });

  it('lets an admin use the admin route', async () => {
    const res = await get('/admin-only', token({ sub: 'admin-1', roles: ['admin'] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'admin-1' });
  });

  it('serves @Public() routes and the platform routes without a token', async () => {
    const open = await get('/open');
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ open: true });
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/docs/openapi.json')).status).toBe(200);
  });

  it('accepts a token minted by `npm run token` with the same secret', async () => {
    const minted = spawnSync(
      process.execPath,
      [join(ROOT, 'infra/token.mjs'), '--sub', 'teller-7', '--roles', 'teller,customer', '--ttl', '60'],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: SECRET }, encoding: 'utf8' },
    );
    expect(minted.status).toBe(0);
    const res = await get('/whoami', minted.stdout.trim());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'teller-7', roles: ['teller', 'customer'] });
  });

  it("mints with the services' development secret when no secret is configured", () => {
    const env = { ...process.env };
    delete env.JWT_SECRET;
    delete env.JWT_PUBLIC_KEY;
    const minted = spawnSync(process.execPath, [join(ROOT, 'infra/token.mjs'), '--sub', 'dev-1'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(minted.status).toBe(0);
    expect(minted.stderr).toMatch(/development secret/);
    const verified = verifyJwt(minted.stdout.trim(), { key: { alg: 'HS256', secret: DEV_JWT_SECRET } });
    expect(verified.actor).toEqual({ sub: 'dev-1', roles: ['customer'] });
    expect(Number(verified.claims.exp) - Number(verified.claims.iat)).toBe(3600);
  });
});
