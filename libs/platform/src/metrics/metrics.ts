import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { ClusterMetricsScraper } from './cluster-metrics.js';

/** One Prometheus registry per app; libs register their metrics on it. */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly httpFastPathAnswers: Counter<'method' | 'route'>;
  private readonly scraper: ClusterMetricsScraper;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.httpFastPathAnswers = new Counter({
      name: 'http_fast_path_answers_total',
      help: "HTTP requests a route's fast path answered before Nest's pipeline (also counted in http_requests_total)",
      labelNames: ['method', 'route'],
      registers: [this.registry],
    });
    this.scraper = new ClusterMetricsScraper(this.registry);
  }

  /** The Prometheus text /metrics answers: this process's metrics, or its replica's when it is one of its HTTP workers. */
  scrape(): Promise<string> {
    return this.scraper.scrape();
  }

  setApp(app: string): void {
    this.registry.setDefaultLabels({ app });
  }
}

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
