import cluster, { type Worker } from 'node:cluster';
import { JsonLogger } from '../logging/json-logger.js';
import { serveClusterMetrics } from '../metrics/cluster-metrics.js';

export interface HttpWorkersOptions {
  /** Processes serving the app; 1: this process serves it, no cluster. */
  workers: number;
  /** The app's name and log level, for the primary's own log lines. */
  app: string;
  logLevel: string;
}

/**
 * Serves an HTTP app from `workers` processes that share its port
 * (node:cluster: the primary accepts connections and hands each to a worker
 * in turn), so one replica uses as many cores as it is given; a Node process
 * answers from one thread. `serve` starts the app (createHttpApp + listen)
 * and runs in each worker — or in this process when `workers` is 1.
 *
 * The primary serves nothing itself. It answers the workers' /metrics with
 * every worker's metrics summed (a scrape sees the replica, whichever worker
 * takes it), hands SIGTERM/SIGINT on to every worker, each of which shuts
 * down gracefully as a single process does, and exits when all have: 0 when
 * every worker did. A worker that stops on its own (a crash, a failed
 * start-up) stops the others and the primary exits 1: the replica fails as
 * a whole, as a single process would, and its supervisor (Kubernetes, npm
 * start) restarts it — never a replica quietly serving on fewer workers.
 */
export async function serveFromWorkers(
  options: HttpWorkersOptions,
  serve: () => Promise<void>,
): Promise<void> {
  if (options.workers <= 1 || cluster.isWorker) return serve();
  superviseWorkers(options);
}

function superviseWorkers({ workers, app, logLevel }: HttpWorkersOptions): void {
  const logger = new JsonLogger(app, logLevel);
  serveClusterMetrics();
  let stopping: NodeJS.Signals | 'worker exit' | undefined;
  let failed = false;
  const stop = (reason: NodeJS.Signals | 'worker exit', signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = reason;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM', 'SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT', 'SIGTERM'));

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    // Stopped by the signal itself: it was still starting (a started one handles it and exits 0).
    if (code !== 0 && !(stopping && signal === 'SIGTERM')) failed = true;
    if (!stopping) {
      logger.error(
        {
          msg: 'a worker stopped; stopping the others',
          worker: worker.id,
          pid: worker.process.pid,
          code,
          signal,
        },
        undefined,
        'HttpWorkers',
      );
      failed = true;
      stop('worker exit', 'SIGTERM');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) {
      logger.log({ msg: 'all workers stopped', reason: stopping }, 'HttpWorkers');
      logger.flush();
      process.exit(failed ? 1 : 0);
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  logger.log({ msg: 'serving from workers', workers }, 'HttpWorkers');
}
