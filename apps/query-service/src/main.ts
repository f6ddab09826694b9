import 'reflect-metadata';
import { createHttpApp, listen, loadConfig, serveFromWorkers } from '@cqrs-bank/platform';
import { QueryServiceConfig } from './query-service.config.js';
import { QueryServiceModule } from './query-service.module.js';

// An invalid configuration is the app's to report, as it starts (in one process).
const config = (() => {
  try {
    return loadConfig(QueryServiceConfig);
  } catch {
    return undefined;
  }
})();

await serveFromWorkers(
  { workers: config?.HTTP_WORKERS ?? 1, app: 'query-service', logLevel: config?.LOG_LEVEL ?? 'info' },
  async () => {
    const app = await createHttpApp(QueryServiceModule, { title: 'cqrs-bank query-service' });
    await listen(app);
  },
);
