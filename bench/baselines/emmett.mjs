// Baseline `emmett`: the same withdraw on @event-driven-io/emmett-postgresql,
// the reference "read stream → decide → append with expected version"
// implementation. It runs OUR domain (libs/banking's decide and evolve, the
// same events) through Emmett's CommandHandler and PostgreSQL event store, so
// the figure compares stores and command plumbing, not business logic.
import { randomUUID } from 'node:crypto';
import { CommandHandler } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { accountStreamId, decide, evolve, initialAccountState } from '../../dist/libs/banking/src/index.js';
import { closedLoop, latencySummary, mapConcurrently, pick } from '../lib/load.mjs';
import { ACCOUNTS, OPENING_DEPOSIT } from '../lib/settings.mjs';

const CALLERS = 32;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  // One connection per caller, as pgbench's clients have (Emmett's own
  // default pool would be pg's 10, throttling it below what it can do).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CALLERS, application_name: 'bench:emmett' });
  const eventStore = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } });
  // Emmett's recommended setting: retry a lost expected-version race.
  const handle = CommandHandler({
    evolve,
    initialState: initialAccountState,
    mapToStreamId: accountStreamId,
    retry: { onVersionConflict: true },
  });

  try {
    await eventStore.schema.migrate();
    log(`opening ${ACCOUNTS} accounts`);
    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    await mapConcurrently(accounts, CALLERS, (accountId, i) =>
      handle(eventStore, accountId, (state) =>
        decide(
          {
            type: 'OpenAccount',
            accountId,
            ownerId: `bench-owner-${i}`,
            ownerName: 'Bench Owner',
            currency: 'EUR',
            initialDeposit: BigInt(OPENING_DEPOSIT),
          },
          state,
        ),
      ),
    );

    log(`${CALLERS} callers withdrawing for ${settings.seconds} s`);
    const result = await closedLoop({
      callers: CALLERS,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      op: () => {
        const accountId = pick(accounts);
        return handle(eventStore, accountId, (state) =>
          decide({ type: 'WithdrawMoney', accountId, amount: 1n }, state),
        );
      },
    });
    return [
      {
        name: 'emmett',
        ops: result.ops,
        seconds: result.seconds,
        ...latencySummary(result.latenciesMs),
        details: { callers: CALLERS, pool: CALLERS, errors: result.errors },
      },
    ];
  } finally {
    await eventStore.close();
    await pool.end();
  }
}
