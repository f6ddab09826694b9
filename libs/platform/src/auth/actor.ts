/** The roles a token may grant (SPEC §5). */
export const ROLES = ['customer', 'teller', 'admin'] as const;

export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified bearer token. */
export interface Actor {
  /** The token's `sub`: for a customer, the customer id that owns its accounts. */
  readonly sub: string;
  readonly roles: readonly Role[];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

/** Tellers and admins act on any customer's accounts. */
export function isStaff(actor: Actor): boolean {
  return hasRole(actor, 'teller', 'admin');
}

/**
 * Whether the actor may read or act on something owned by `ownerId`: staff on
 * anything, a customer only on what its own `sub` owns. Callers answer `false`
 * with 404, not 403, so one customer cannot probe for another's accounts.
 */
export function canActOnOwner(actor: Actor, ownerId: string): boolean {
  if (isStaff(actor)) return true;
  return hasRole(actor, 'customer') && actor.sub === ownerId;
}
