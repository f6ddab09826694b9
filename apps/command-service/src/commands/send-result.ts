import type { FastifyReply } from 'fastify';
import type { CommandResult } from './command-context.js';

/** Applies a command's status (and the replay marker) to the reply; returns the body. */
export function sendResult(reply: FastifyReply, result: CommandResult): unknown {
  void reply.status(result.status);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return result.body;
}
