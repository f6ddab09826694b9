import { isRebuildTarget, REBUILD_TARGETS, type RebuildTarget } from '../rebuild/rebuild-targets.js';

export const USAGE = `usage: npm run cli -- <command>

  projections:rebuild <name> [--restart]
      Rebuild a projection from the event store into shadow tables and swap
      it in without downtime. <name>: ${REBUILD_TARGETS.join(' | ')}.
      balance, history and monthly-summary share one version guard: each name
      rebuilds all three. transfer-status is rebuilt on its own; all rebuilds
      every projection, one group after the other. An interrupted rebuild
      resumes from its checkpoint; --restart discards it and starts over.

  projections:status
      Per projection: the projector's checkpoint, lag in events and seconds,
      and the running or last rebuild.
`;

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export type CliCommand =
  { name: 'projections:rebuild'; target: RebuildTarget; restart: boolean } | { name: 'projections:status' };

/** The command line, checked before anything heavy loads: a usage error answers at once. */
export function parseArgs(argv: string[]): { command: CliCommand } | { error: string } {
  const [name, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  if (name === 'projections:status') {
    if (rest.length > 0) return { error: `projections:status takes no arguments (got ${rest.join(' ')})` };
    return { command: { name } };
  }
  if (name === 'projections:rebuild') {
    if (args.length !== 1) return { error: 'projections:rebuild needs exactly one projection name' };
    if (!isRebuildTarget(args[0])) return { error: `unknown projection "${args[0]}"` };
    const unknown = flags.filter((f) => f !== '--restart');
    if (unknown.length > 0) return { error: `unknown option ${unknown.join(' ')}` };
    return { command: { name, target: args[0], restart: flags.includes('--restart') } };
  }
  return { error: name ? `unknown command "${name}"` : 'no command given' };
}
