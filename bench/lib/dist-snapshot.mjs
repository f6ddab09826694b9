// The build the whole run measures. dist/ is shared: `npm test` (another
// engineer, CI on the same machine) rebuilds it while a bench runs, and a
// scenario starting an app in the middle of that rebuild — tsc has written
// the files, tsc-alias has not yet rewritten their `@cqrs-bank/*` imports —
// crashes, or measures other code than the scenario before it. So run.mjs
// copies dist/ right after building it into a private directory, and every
// worker and app of the run uses that copy:
// - the apps are started from it (lib/apps.mjs, lib/database.mjs: DIST);
// - the workers' own `../../dist/…` imports are redirected to it by a module
//   resolve hook (dist-hook.mjs, registered with `node --import`).
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './load.mjs';
import { ROOT } from './settings.mjs';

/**
 * Copies dist/ to a fresh directory (with a package.json of type module and
 * node_modules linked, as next to the real dist/) and checks the copy is a
 * finished build; retried while someone else's build is half-way.
 * @returns {Promise<{ dist: string, remove: () => void }>}
 */
export async function snapshotDist(log) {
  const dir = mkdtempSync(join(tmpdir(), 'cqrs-bank-bench-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const dist = join(dir, 'dist');
    for (let attempt = 1; ; attempt++) {
      rmSync(dist, { recursive: true, force: true });
      mkdirSync(dist);
      cpSync(join(ROOT, 'dist'), dist, { recursive: true });
      const unfinished = unaliasedFiles(dist);
      if (unfinished.length === 0) return { dist, remove };
      if (attempt === 5) {
        throw new Error(
          `dist/ is not a finished build (${unfinished[0]} imports @cqrs-bank/*): run npm run build`,
        );
      }
      log(
        `dist/ is being rebuilt by someone else (${unfinished.length} files half-way); copying again in 3 s`,
      );
      await sleep(3000);
    }
  } catch (err) {
    remove();
    throw err;
  }
}

/** Compiled files still importing a path alias: tsc wrote them, tsc-alias did not rewrite them (yet). */
function unaliasedFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .filter((f) => /\bfrom ['"]@cqrs-bank\//.test(readFileSync(join(dir, f), 'utf8')));
}
