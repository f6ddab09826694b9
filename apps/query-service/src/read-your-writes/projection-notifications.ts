import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_NAME, BaseConfig, JsonLogger } from '@cqrs-bank/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { readModelConnection } from '../read-models/read-model-pool.js';

/** The projector NOTIFYs this channel (no payload) in every batch transaction it commits. */
export const PROJECTION_CHANNEL = 'account_projection_applied';

const RECONNECT_DELAY_MS = 1000;

/**
 * LISTENs on one dedicated Postgres connection and tells subscribers each
 * time the projector committed a batch. Only a hint to look again: the
 * connection may be down (it reconnects in the background, and the app starts
 * without it), so whoever waits also polls.
 */
@Injectable()
export class ProjectionNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscribers = new Set<() => void>();
  private readonly stop = new AbortController();
  private client?: pg.Client;
  private running?: Promise<void>;

  constructor(
    private readonly config: BaseConfig,
    @Inject(APP_NAME) private readonly appName: string,
    private readonly logger: JsonLogger,
  ) {}

  /** Calls `listener` on each notification (and after each reconnect); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  onApplicationBootstrap(): void {
    this.running = this.listenForever();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.client?.end().catch(() => undefined);
    await this.running;
  }

  private async listenForever(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      const client = new pg.Client(readModelConnection(this.config, `${this.appName}:notifications`));
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      // Errors end the connection; 'end' below handles them.
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query(`LISTEN ${PROJECTION_CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        if (failures++ === 0) {
          this.logger.warn(
            { msg: 'cannot LISTEN for projection notifications; polling meanwhile', error: String(err) },
            'ProjectionNotifications',
          );
        }
        await this.pause();
        continue;
      }
      if (this.stop.signal.aborted) {
        await client.end().catch(() => undefined);
        break;
      }
      if (failures > 0) {
        this.logger.log({ msg: 'listening for projection notifications again' }, 'ProjectionNotifications');
      }
      failures = 0;
      client.on('notification', () => this.notify());
      this.client = client;
      // Anything committed while we were not listening.
      this.notify();
      await ended;
      this.client = undefined;
      if (!this.stop.signal.aborted) {
        failures++;
        this.logger.warn(
          { msg: 'projection notification connection lost; reconnecting' },
          'ProjectionNotifications',
        );
        await this.pause();
      }
    }
  }

  private notify(): void {
    for (const listener of this.subscribers) listener();
  }

  private async pause(): Promise<void> {
    await sleep(RECONNECT_DELAY_MS, undefined, { signal: this.stop.signal }).catch(() => undefined);
  }
}
