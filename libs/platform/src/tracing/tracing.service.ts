import type { BaseConfig } from '../config/base.config.js';
import type { JsonLogger } from '../logging/json-logger.js';
import { startTracing } from './tracing.js';

/**
 * Starts this process's tracing when TRACING=otlp, as the app is created
 * (before the HTTP hooks are chosen and before any span). Provided by
 * PlatformModule. `listen` stops it (exporting what is left) once every
 * shutdown hook has run, so the spans those hooks end are sent too.
 */
export class TracingService {
  constructor(config: BaseConfig, app: string, logger: JsonLogger) {
    if (config.TRACING !== 'otlp') return;
    const log = logger.pino.child({ context: 'Tracing' });
    startTracing({
      serviceName: config.OTEL_SERVICE_NAME ?? app,
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      sampleRatio: config.TRACING_SAMPLE_RATIO,
      onError: (err) => log.warn({ err }, 'tracing failed (exporting spans?); spans may be lost'),
    });
    log.info(
      { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: config.TRACING_SAMPLE_RATIO },
      'tracing on: exporting spans by OTLP',
    );
  }
}
