import { signJwt, type Role } from '@cqrs-bank/platform';

export const TEST_JWT_SECRET = 'integration-tests-secret-0123456789abcdef';

/** A valid HS256 bearer token for the test apps (they run with JWT_SECRET = TEST_JWT_SECRET). */
export function token(sub: string, roles: Role[] = ['customer'], ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ sub, roles, iat: now, exp: now + ttlSeconds }, { alg: 'HS256', secret: TEST_JWT_SECRET });
}

export function bearer(sub: string, roles: Role[] = ['customer']): Record<string, string> {
  return { authorization: `Bearer ${token(sub, roles)}` };
}
