// Scenario `withdraw-inproc`: WithdrawMoney through the command-service's
// CommandBus, in this process, with everything a withdraw does in production
// except HTTP: the handler, the per-account mutex, the aggregate cache, the
// decision, and the group-committed append of event + outbox messages
// (synchronous commit, nothing weakened). 32 callers on 2 000 accounts.
import { WithdrawMoney } from '../../dist/apps/command-service/src/accounts/withdraw/withdraw.command.js';
import { bootCommandService, commandContext, openAccountsInProcess } from '../lib/command-service.mjs';
import { closedLoop, latencySummary, pick } from '../lib/load.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';

const CALLERS = 32;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ settings, log }) {
  const { app, commands } = await bootCommandService();
  try {
    log(`opening ${ACCOUNTS} accounts through the CommandBus`);
    const accounts = await openAccountsInProcess(commands, ACCOUNTS, CALLERS);

    log(`${CALLERS} callers withdrawing for ${settings.seconds} s`);
    const result = await closedLoop({
      callers: CALLERS,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      op: async () => {
        const answer = await commands.execute(new WithdrawMoney(pick(accounts), 1, commandContext()));
        if (answer.status !== 200)
          throw Object.assign(new Error('not 200'), { code: `HTTP_${answer.status}` });
      },
    });
    return [
      {
        name: 'withdraw-inproc',
        ops: result.ops,
        seconds: result.seconds,
        ...latencySummary(result.latenciesMs),
        details: { callers: CALLERS, errors: result.errors },
      },
    ];
  } finally {
    await app.close();
  }
}
