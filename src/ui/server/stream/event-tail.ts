import type { EventLogReader, StoredEvent } from '../../../ports/event-log.port';
import type { Logger } from '../../../shared/logger';
import { eventFrame } from './stream-frames';
import { matchesFilter, type EffectiveFilter } from './stream-filter';

/** Someone following the live end of the log through the shared tail. */
export interface TailSubscriber {
  readonly filter: EffectiveFilter;
  /**
   * Every matching event up to this position has been handed to the subscriber. The tail skips
   * positions at or below it and advances it after each delivery (so during `deliver` it is still
   * the position before this event: the one to resume from if the event cannot be sent).
   */
  cursor: number;
  /**
   * One matching event, in position order; `frame` is its serialised message (UTF-8), the same
   * bytes for every subscriber. The subscriber may hold it back until `flush`.
   */
  deliver(event: StoredEvent, frame: Buffer): void;
  /** The end of one batch of deliveries: whatever `deliver` held back must leave now. */
  flush(): void;
}

export type TailLogger = Pick<Logger, 'debug' | 'warn' | 'error'>;

/**
 * The one reader of the live end of the log per server instance. Invariant: every event with a
 * position ≤ `position` has been offered to every subscriber that was joined when it was read.
 * Reading, dispatching and advancing `position` happen in one synchronous step after each query,
 * and `tryJoin` checks and joins synchronously too, so a subscriber that has itself covered
 * everything up to `position` and joins gets every later event exactly once.
 */
export class EventTail {
  private position: number | undefined;
  private init: Promise<number> | undefined;
  private readonly everything = new Set<TailSubscriber>();
  private readonly byPartner = new Map<string, Set<TailSubscriber>>();
  private joined = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** When the last pass over the log started (performance.now()). */
  private passAt = Number.NEGATIVE_INFINITY;

  /**
   * `coalesceMs`: passes over the log start at most this often. The first wake-up after a quiet
   * spell reads at once; the commits of a burst behind it wait up to `coalesceMs` and go out as one
   * batch (one query, one write per client) instead of one each.
   */
  constructor(
    private readonly log: EventLogReader,
    private readonly batchSize: number,
    private readonly logger: TailLogger,
    private readonly coalesceMs = 0,
  ) {}

  /** The position scanned so far, once known (the log's end when the tail started, then onwards). */
  scanned(): Promise<number> {
    if (this.position !== undefined) return Promise.resolve(this.position);
    this.init ??= this.log.lastPosition().then(
      (last) => (this.position ??= last),
      (err: unknown) => {
        this.init = undefined;
        throw err;
      },
    );
    return this.init;
  }

  /** The position scanned so far, or undefined before `scanned()` first resolved. */
  scannedPosition(): number | undefined {
    return this.position;
  }

  /** Joins `sub` if it has covered everything the tail has scanned; otherwise it must read on. */
  tryJoin(sub: TailSubscriber): boolean {
    if (this.stopped || this.position === undefined || sub.cursor < this.position) return false;
    if (sub.filter.partnerId === undefined) this.everything.add(sub);
    else {
      let subs = this.byPartner.get(sub.filter.partnerId);
      if (!subs) this.byPartner.set(sub.filter.partnerId, (subs = new Set()));
      subs.add(sub);
    }
    this.joined += 1;
    return true;
  }

  leave(sub: TailSubscriber): void {
    let removed = this.everything.delete(sub);
    const key = sub.filter.partnerId;
    const subs = key === undefined ? undefined : this.byPartner.get(key);
    if (subs?.delete(sub)) {
      removed = true;
      if (subs.size === 0) this.byPartner.delete(key!);
    }
    if (removed) this.joined -= 1;
  }

  /** Something may have been appended: read on. Wake-ups during a read coalesce into one more pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
    this.everything.clear();
    this.byPartner.clear();
    this.joined = 0;
  }

  private async run(): Promise<void> {
    try {
      do {
        const wait = this.passAt + this.coalesceMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.stopped) return;
        // Wake-ups until here are answered by this pass; later ones ask for another.
        this.again = false;
        this.passAt = performance.now();
        await this.catchUp();
      } while (this.again && !this.stopped);
      this.failures = 0;
    } catch (err) {
      if (this.stopped) return;
      // The position did not move, so retrying later loses nothing; meanwhile subscribers just wait.
      this.failures += 1;
      const delay = Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
      this.logger.error({ err, retryInMs: delay }, 'event stream tail could not read the log');
      this.retryTimer = setTimeout(() => this.wake(), delay);
      this.retryTimer.unref();
    }
  }

  private async catchUp(): Promise<void> {
    await this.scanned();
    while (!this.stopped) {
      if (this.joined === 0) {
        // Nobody to dispatch to: jump to the end instead of reading rows nobody wants. Only valid
        // if still nobody has joined once the answer is in (joins happen while we await).
        const last = await this.log.lastPosition();
        if (this.joined === 0) {
          this.position = Math.max(this.position!, last);
          return;
        }
        continue;
      }
      const rows = await this.log.read({ afterPosition: this.position!, limit: this.batchSize });
      if (this.stopped) return;
      // A batch is handed out in one synchronous step, then flushed: each subscriber's share of it
      // leaves in one socket write, not one per event (the syscall was most of the fan-out's cost).
      const served = new Set<TailSubscriber>();
      try {
        for (const event of rows) this.dispatch(event, served);
      } finally {
        for (const sub of served) sub.flush();
      }
      const last = rows.at(-1);
      if (last) this.position = last.position;
      if (rows.length < this.batchSize) return;
      await yieldToIo();
    }
  }

  private dispatch(event: StoredEvent, served: Set<TailSubscriber>): void {
    // Serialised and encoded once for every subscriber (ws sends a Buffer as is).
    let shared: Buffer | undefined;
    const offer = (sub: TailSubscriber): void => {
      if (event.position <= sub.cursor || !matchesFilter(sub.filter, event)) return;
      shared ??= Buffer.from(eventFrame(event));
      served.add(sub);
      sub.deliver(event, shared);
      sub.cursor = event.position;
    };
    for (const sub of this.everything) offer(sub);
    const partnerSubs = event.partnerId === null ? undefined : this.byPartner.get(event.partnerId);
    if (partnerSubs) for (const sub of partnerSubs) offer(sub);
  }
}

/**
 * Lets sockets flush and read between batches. PGlite answers within the same macrotask (its queries
 * resolve as microtasks), so without this a long catch-up would pile every batch into the clients'
 * user-space buffers before any byte leaves, and healthy clients would look slow.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
