import type { BaseConfig } from '../config/base.config.js';

/**
 * The `options` startup parameter of an app's Postgres sessions: `extra`
 * settings (`-c name=value`) plus `-c role=<DB_ROLE>`, so the session runs as
 * the app's group role from its first statement and Postgres refuses what
 * that role was not granted (SPEC §5). A startup parameter rather than a
 * `SET ROLE` on connect: no query can run before it, and `RESET ROLE` comes
 * back to it. Postgres refuses the connection when the login user is not a
 * member of the role. Not for migrations: those run as the login user.
 */
export function sessionOptions(config: Pick<BaseConfig, 'DB_ROLE'>, ...extra: string[]): string {
  const role = config.DB_ROLE && config.DB_ROLE !== 'none' ? [`-c role=${config.DB_ROLE}`] : [];
  return [...extra, ...role].join(' ');
}
