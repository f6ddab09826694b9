// `node --import` of every bench worker: imports of the repository's dist/
// resolve to the run's copy of it (BENCH_DIST, see dist-snapshot.mjs), so
// the code a worker boots in process is the build the run measures.
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './settings.mjs';

if (process.env.BENCH_DIST) {
  register('./dist-resolve.mjs', import.meta.url, {
    data: {
      from: pathToFileURL(join(ROOT, 'dist')).href + '/',
      to: pathToFileURL(process.env.BENCH_DIST).href + '/',
    },
  });
}
