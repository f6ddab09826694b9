import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A worker's /metrics asks the primary for the replica's metrics; the primary answers with this. */
const SCRAPE = 'cqrs-bank:metrics:scrape';
const SCRAPED = 'cqrs-bank:metrics:scraped';

interface ScrapeMessage {
  type: typeof SCRAPE;
  id: number;
}
interface ScrapedMessage {
  type: typeof SCRAPED;
  id: number;
  text?: string;
  error?: string;
}

/** Longest a worker's scrape waits for the primary (which waits up to 5 s for the workers). */
const SCRAPE_TIMEOUT_MS = 10_000;

/**
 * The primary's side (serveFromWorkers): collects every worker's registry
 * (prom-client's cluster protocol) and sums them — counters and histograms
 * add up, each metric by its own aggregator — for the worker that asked.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: ScrapeMessage) => {
    if (message?.type !== SCRAPE) return;
    aggregator.clusterMetrics().then(
      (text) =>
        worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, text } satisfies ScrapedMessage),
      (err: unknown) =>
        worker.isConnected() &&
        worker.send({ type: SCRAPED, id: message.id, error: String(err) } satisfies ScrapedMessage),
    );
  });
}

/**
 * The Prometheus text of an app's metrics: its registry's, or — in a worker
 * of serveFromWorkers — every worker's of the replica, summed by the primary.
 */
export class ClusterMetricsScraper {
  private readonly pending = new Map<number, (answer: ScrapedMessage) => void>();
  private nextId = 0;

  constructor(private readonly registry: Registry) {
    if (!cluster.isWorker) return;
    // prom-client's own listener answers the primary with these registries' metrics.
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
    process.on('message', (message: ScrapedMessage) => {
      if (message?.type !== SCRAPED) return;
      this.pending.get(message.id)?.(message);
    });
  }

  scrape(): Promise<string> {
    if (!cluster.isWorker) return this.registry.metrics();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the primary did not answer a metrics scrape within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`the replica's metrics could not be collected: ${answer.error}`));
      });
      process.send!({ type: SCRAPE, id } satisfies ScrapeMessage);
    });
  }
}
