import { partnerNoticeOf } from '../../domain/partner-notice';
import type { PartnerNotifier } from '../../ports/notification.port';
import type { StoredEvent } from '../../ports/event-log.port';
import type { Logger } from '../../shared/logger';

/** The outbox as the relay uses it (KnexPartnerNoticeQueue). */
export interface PartnerNoticeQueue {
  claim(
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<Array<{ eventId: string; attempts: number; event: StoredEvent | undefined }>>;
  done(eventId: string): Promise<void>;
  postpone(eventId: string, error: string, until: Date): Promise<void>;
}

export interface PartnerNoticeRelayOptions {
  queue: PartnerNoticeQueue;
  notifier: Pick<PartnerNotifier, 'notify'>;
  /** PAYOUT_ACCOUNT_COOLOFF: a request's notice says when the change could take effect at the earliest. */
  accountCooloffMs: number;
  /** How often the outbox is swept for notices a kick did not send (failed, or left by a crash). */
  intervalMs: number;
  /** How long one relay holds a notice while it signals; then another may take it. */
  leaseMs?: number;
  batchSize?: number;
  /** After a failed attempt the notice waits initial·2ⁿ, at most max. */
  backoff?: { initialMs: number; maxMs: number };
  logger: Pick<Logger, 'warn' | 'error'>;
  clock?: () => Date;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)) || 'unknown error';

/**
 * Sends the partner notices the API's transactions put in the outbox to the partners' notification
 * workflows (signal-with-start through PartnerNotifier).
 *
 * Why an outbox: the change and its notice must not part ways. Signalling inside the transaction
 * could announce a change that then rolls back; signalling after the commit could be lost to a
 * crash or an unreachable Temporal, and retrying the request would not help (a request, approval
 * or cancellation is not repeatable: the retry gets 409 and sends nothing). So the notice is a row
 * written in the change's own transaction, and this relay delivers it at least once: right after
 * the commit (`kick`), and on every sweep until it succeeds. At-least-once becomes exactly-once at
 * the partner because the notice's `sourceEventId` is derived from the partner event's id: the
 * notification workflow (and the notifications table's unique key) drop a repeat.
 */
export class PartnerNoticeRelay {
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly now: () => Date;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: PartnerNoticeRelayOptions) {
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.batchSize = opts.batchSize ?? 20;
    this.backoff = opts.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.now = opts.clock ?? (() => new Date());
  }

  /** Sweeps now (notices left by a previous process) and every `intervalMs`. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Something was just added: send it now, without making the caller wait. */
  kick(): void {
    this.drain().catch((err: unknown) =>
      this.opts.logger.warn({ err }, 'partner notice relay: sweep failed; the next sweep retries'),
    );
  }

  /** Sends every due notice. A call while a drain runs makes that drain look once more. */
  drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.pass()) > 0) {
            /* until nothing is due */
          }
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One batch; returns how many notices it took (sent or postponed). */
  private async pass(): Promise<number> {
    const claimed = await this.opts.queue.claim(this.now(), this.leaseMs, this.batchSize);
    for (const { eventId, attempts, event } of claimed) {
      const notice = event && partnerNoticeOf(event, this.opts.accountCooloffMs);
      if (!notice) {
        // Nothing to tell (an event this version does not announce, or none at all): never retried.
        this.opts.logger.error({ eventId }, 'partner notice relay: no notice for this outbox row; dropped');
        await this.opts.queue.done(eventId);
        continue;
      }
      try {
        await this.opts.notifier.notify(notice);
      } catch (err) {
        const waitMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempts, 20));
        await this.opts.queue.postpone(eventId, errorText(err), new Date(this.now().getTime() + waitMs));
        const log = attempts + 1 >= 10 ? this.opts.logger.error : this.opts.logger.warn;
        log.call(
          this.opts.logger,
          { err, eventId, partnerId: notice.partnerId, attempts: attempts + 1, retryInMs: waitMs },
          'partner notice not signalled yet; kept in the outbox',
        );
        continue;
      }
      await this.opts.queue.done(eventId);
    }
    return claimed.length;
  }
}
