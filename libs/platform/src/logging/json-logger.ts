import cluster from 'node:cluster';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { requestContext } from './request-context.js';

/**
 * JSON-lines logger (pino) used by Nest and by our own code. Every line carries
 * the app name (and the worker's number in one of its HTTP workers) and,
 * inside a request, its correlation id.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Logger;

  constructor(app: string, level: string, destination?: pino.DestinationStream) {
    this.pino = pino(
      {
        level,
        // One of an app's HTTP workers (serveFromWorkers): its lines say which.
        base: cluster.isWorker ? { app, worker: cluster.worker!.id } : { app },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const correlationId = requestContext.correlationId();
          return correlationId ? { correlationId } : {};
        },
        redact: {
          // Nothing logs these on purpose; this is the net under a future mistake
          // (a logged header map, config object or error context).
          paths: [
            'authorization',
            '*.authorization',
            '*.*.authorization',
            '*.password',
            '*.ownerName',
            'req.headers.authorization',
            'JWT_SECRET',
            '*.JWT_SECRET',
            'PERSONAL_DATA_MASTER_KEY',
            '*.PERSONAL_DATA_MASTER_KEY',
            '*.wrapped_key',
          ],
          censor: '[redacted]',
        },
      },
      destination ?? pino.destination({ sync: false }),
    );
  }

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string): void {
    const ctx = context ?? traceOrContext;
    if (message instanceof Error) {
      this.pino.error(
        { context: ctx, err: { type: message.name, message: message.message, stack: message.stack } },
        message.message,
      );
      return;
    }
    this.write('error', message, ctx);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  flush(): void {
    this.pino.flush();
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    context?: string,
  ) {
    if (typeof message === 'object' && message !== null) {
      this.pino[level]({ context, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level]({ context }, String(message));
    }
  }
}
