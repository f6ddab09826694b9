import {
  createParamDecorator,
  SetMetadata,
  type CustomDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { ProblemError } from '../http/problem.js';
import type { Actor, Role } from './actor.js';
import type { AuthenticatedRequest } from './jwt-auth.guard.js';

export const IS_PUBLIC_KEY = 'cqrs-bank:auth:public';
export const ROLES_KEY = 'cqrs-bank:auth:roles';

/** Opens a route (or every route of a controller) to callers without a token. */
export const Public = (): CustomDecorator<string> => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Restricts a route (or controller) to actors holding at least one of `roles`;
 * others get 403 FORBIDDEN. A method's @Roles replaces its controller's.
 */
export const Roles = (...roles: [Role, ...Role[]]): CustomDecorator<string> => SetMetadata(ROLES_KEY, roles);

/**
 * The verified caller, as a handler parameter: `whoami(@CurrentActor() actor: Actor)`.
 * On a @Public() route there is none, and the request is answered 401.
 */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) {
    throw new ProblemError('UNAUTHENTICATED', 'A bearer token is required', { 'www-authenticate': 'Bearer' });
  }
  return actor;
});
