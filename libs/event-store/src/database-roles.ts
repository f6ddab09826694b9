/**
 * The group role each app's sessions run as (SPEC §5), created and granted by
 * the DatabaseRoles migration. An app's `DB_ROLE` defaults to its own; in
 * production each app logs in as its own user, a member of its group role.
 */
export const DATABASE_ROLES = Object.freeze({
  command: 'cqrs_bank_command',
  relay: 'cqrs_bank_relay',
  projector: 'cqrs_bank_projector',
  query: 'cqrs_bank_query',
});
