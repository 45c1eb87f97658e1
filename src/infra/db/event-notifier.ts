import pg from 'pg';
import type { Logger } from '../../shared/logger';
import type { EventNotifier } from '../../ports/event-log.port';
import { EVENTS_CHANNEL } from './event-log';

type NotifierLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

const silent: NotifierLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The listener set both notifiers share; one failing listener never starves the others. */
class Listeners {
  private readonly set = new Set<() => void>();

  constructor(private readonly logger: NotifierLogger) {}

  add(listener: () => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }

  emit(): void {
    for (const listener of [...this.set]) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'event notifier listener failed');
      }
    }
  }
}

export interface PgListenNotifierOptions {
  connection: string | pg.ClientConfig;
  logger?: NotifierLogger;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`, with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Split mode (PostgreSQL): a dedicated session doing `LISTEN alpes_events`, fed by the `pg_notify`
 * that `KnexEventLog.append` issues inside each writing transaction (so on commit, from any process).
 *
 * The session is outside the knex pool because LISTEN belongs to one connection for its lifetime
 * (it therefore also needs a session-mode connection, not a transaction-pooling PgBouncer). When the
 * connection drops it reconnects with exponential backoff and, once listening again, wakes every
 * listener: whatever was committed while it was away was never announced.
 *
 * `start()` rejects when the first connection fails, so a misconfigured process fails fast;
 * after that, connection losses are only logged and retried.
 */
export class PgListenNotifier implements EventNotifier {
  private readonly listeners: Listeners;
  private readonly logger: NotifierLogger;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private client: pg.Client | undefined;
  private running = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PgListenNotifierOptions) {
    this.logger = opts.logger ?? silent;
    this.listeners = new Listeners(this.logger);
    this.minBackoffMs = opts.minBackoffMs ?? 100;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.connect();
    } catch (err) {
      this.running = false;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** True while a LISTEN session is established (for health checks). */
  isListening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const base =
      typeof this.opts.connection === 'string'
        ? { connectionString: this.opts.connection }
        : this.opts.connection;
    // keepAlive lets the kernel notice a silently dead peer; an idle LISTEN session sends nothing.
    const client = new pg.Client({ keepAlive: true, ...base });
    // Registered before connecting: an 'error' without a listener would crash the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (msg) => {
      if (msg.channel === EVENTS_CHANNEL) this.listeners.emit();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (!this.running) return;
    this.logger.warn({ err }, 'event notifier lost its LISTEN connection; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const ceiling = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => {
          if (!this.running) return;
          this.logger.info('event notifier listening again');
          this.listeners.emit();
        },
        (err: unknown) => {
          if (!this.running) return;
          this.logger.warn({ err, attempt: this.attempt }, 'event notifier reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }
}

/** Anything that reports its commits, e.g. `KnexUnitOfWork`. */
export interface CommitSource {
  onCommit(listener: () => void): () => void;
}

/**
 * Embedded mode (PGlite, one process): every writer of the log commits through a unit of work in
 * this process (`KnexUnitOfWork`, `KnexNotificationUnitOfWork`, …), whose commit listeners are the
 * wake-up; pass every one of them, or the events it writes only arrive with the reader's poll.
 * Listeners run synchronously right after the commit, so a listener must only schedule work.
 */
export class InProcessNotifier implements EventNotifier {
  private readonly listeners: Listeners;
  private readonly sources: CommitSource[];
  private unsubscribes: Array<() => void> | undefined;

  constructor(sources: CommitSource | CommitSource[], logger?: NotifierLogger) {
    this.sources = Array.isArray(sources) ? sources : [sources];
    this.listeners = new Listeners(logger ?? silent);
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  start(): Promise<void> {
    this.unsubscribes ??= this.sources.map((source) => source.onCommit(() => this.listeners.emit()));
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes ?? []) unsubscribe();
    this.unsubscribes = undefined;
    return Promise.resolve();
  }
}
