import { Injectable } from '@nestjs/common';
import {
  bearerTokenOf,
  CallerRateLimit,
  canActOnOwner,
  FastPath,
  JwtVerifier,
  type Actor,
  type RouteFastPath,
} from '@cqrs-bank/platform';
import { isUUID } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryServiceConfig } from '../../query-service.config.js';
import { minVersionOf } from '../../read-your-writes/min-version.js';
import type { AccountRead } from '../account-read-models.repository.js';
import { BalanceCache } from './balance-cache.js';
import { BalanceReader } from './balance-reader.js';
import { balanceResponse } from './balance.response.js';

/** What Fastify answers a JSON object with (the controller's answer). */
const JSON_TYPE = 'application/json; charset=utf-8';

/** BalanceQueryDto's parameters: any other one is the controller's 400. */
const PARAMETERS: ReadonlySet<string> = new Set(['accountId', 'minVersion']);

/**
 * GET /balance, the hottest read, without Nest's pipeline: a well-formed
 * query (BalanceQueryDto's own checks, no other parameter) from a caller
 * JwtAuthGuard and CallerRateLimitGuard let through is answered here, as
 * BalanceController answers it — through the same BalanceReader, its 404
 * and 503 included — straight from memory when the cache holds a
 * fresh row the caller may see at the requested minVersion. Anything else
 * (a 400, 401, 403 or 429) goes on to the controller unchanged.
 */
@Injectable()
@FastPath()
export class BalanceFastPath implements RouteFastPath {
  readonly method = 'GET';
  readonly url = '/balance';
  readonly enabled: boolean;
  private readonly bodies = new WeakMap<AccountRead, string>();

  constructor(
    config: QueryServiceConfig,
    private readonly cache: BalanceCache,
    private readonly balances: BalanceReader,
    private readonly verifier: JwtVerifier,
    private readonly rateLimit: CallerRateLimit,
  ) {
    this.enabled = config.BALANCE_FAST_PATH === 'true';
  }

  answer(request: FastifyRequest, reply: FastifyReply): boolean | Promise<void> {
    const query = request.query as Record<string, unknown>;
    for (const name in query) if (!PARAMETERS.has(name)) return false;
    const accountId = query.accountId;
    if (typeof accountId !== 'string' || !isUUID(accountId, 'all')) return false;
    const minVersion = minVersionOf(request);
    if (minVersion === null) return false;

    const actor = this.actorOf(request);
    if (actor === undefined) return false;
    // Once taken: from here on this request is answered here, and counted only here.
    if (!this.rateLimit.admit(request, actor).allowed) return false;

    const cached = this.cache.fresh(accountId, minVersion);
    if (cached !== undefined && canActOnOwner(actor, cached.account.ownerId)) {
      void reply.type(JSON_TYPE).send(this.bodyOf(cached));
      return true;
    }
    return this.balances
      .read(actor, accountId, minVersion)
      .then((read) => void reply.type(JSON_TYPE).send(this.bodyOf(read)));
  }

  /** The answer's JSON, made once per row: the cache replaces a row it updates, never changes it. */
  private bodyOf(read: AccountRead): string {
    let body = this.bodies.get(read);
    if (body === undefined) {
      body = JSON.stringify(balanceResponse(read.account));
      this.bodies.set(read, body);
    }
    return body;
  }

  /** The caller JwtAuthGuard would let through, if any. */
  private actorOf(request: FastifyRequest): Actor | undefined {
    const token = bearerTokenOf(request);
    if (token === undefined) return undefined;
    try {
      const { actor } = this.verifier.verify(token);
      return actor.roles.length > 0 ? actor : undefined;
    } catch {
      return undefined; // the guard answers it 401 or 403
    }
  }
}
