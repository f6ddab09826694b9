// `npm run cli -- <command>`: the projector's operator commands
// (projections:rebuild, projections:status). Prints for people; exits 0 on
// success, non-zero with a one-line reason otherwise (2 and the usage for a
// command line it does not understand).
import 'reflect-metadata';
import { EXIT, parseArgs, USAGE } from './cli/cli-args.js';

const parsed = parseArgs(process.argv.slice(2));
let code: number;
if ('error' in parsed) {
  process.stderr.write(`${parsed.error}\n\n${USAGE}`);
  code = EXIT.usage;
} else {
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: stopping after the batch in hand…\n`);
      stop.abort();
    });
  }
  // Loaded only for a valid command: the app's modules take a while to load.
  const { runCommand } = await import('./cli/projections.cli.js');
  code = await runCommand(parsed.command, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    signal: stop.signal,
  });
}
// Let stdout drain, then leave even if a client library keeps a timer alive.
process.stdout.write('', () => process.exit(code));
