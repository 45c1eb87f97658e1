import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Principal } from '../../../ports/principal';
import type { EventLogReader, StoredEvent } from '../../../ports/event-log.port';
import type { Logger } from '../../../shared/logger';
import {
  STREAM_CLOSE_CODES,
  STREAM_ERROR_CODES,
  type ErrorMessage,
  type SubscribeMessage,
} from '../../stream-protocol';
import { boundedReason, parseClientMessage } from './client-message.schema';
import { yieldToIo, type EventTail, type TailSubscriber } from './event-tail';
import type { StreamGrant } from './stream-admission';
import { eventFrame, frame } from './stream-frames';
import { PAYMENT_AGGREGATE_TYPE, authorizeFilter, type EffectiveFilter } from './stream-filter';

/**
 * One admitted socket of the live event stream, from the handshake to its close.
 *
 * A `partner` principal is pinned to its own `partnerId`; asking for another one gets
 * `FORBIDDEN_FILTER` and leaves any current subscription untouched.
 *
 * Sessions end with the token: when it expires the client gets `TOKEN_EXPIRED` and is closed with
 * 4401, unless it sent `{type:'authenticate', token}` with a fresh token for the same principal
 * first, which moves the end to that token's expiry (a token for another principal: closed with
 * 4403). Tokens come only from the API, for a valid key, so a revoked key's streams end within one
 * token lifetime (`WS_TOKEN_TTL`).
 *
 * No gaps, no duplicates. The log's positions become visible in commit order (see
 * `KnexEventLog`), so "everything after position p" is a stable question. The shared `EventTail`
 * fans each live event out to the joined subscribers whose filter matches. A subscribe starts a
 * replay of its own: it reads its filtered events after `since` up to max(the log's end when the
 * subscribe arrived, the tail's scanned position), in batches, and repeats until it has covered
 * everything the tail has scanned; then, in the same synchronous step, it joins the tail and is sent
 * `ready {position}`. From there the tail delivers every later event; anything committed during
 * the replay is either at or below the replay's bound (read by the replay) or above the tail's
 * position (read by the tail), and a per-subscriber cursor drops whatever both read.
 * `ready.position` is that cursor: the position up to which this subscriber has been served, at
 * least `since` and the log's end at subscribe time; resubscribing from it loses nothing.
 * One query per replay batch.
 *
 * Re-subscribing on the same socket cancels the current replay or leaves the tail, then starts
 * over with the new `since`/filter. Events of the old subscription already written to the socket
 * still arrive before the new replay; clients keep the rule "drop positions ≤ the last processed".
 * `since` omitted means 0: the whole (filtered) log, then live.
 *
 * Memory per connection is bounded by `maxBufferedBytes`: nothing is queued on a socket whose
 * `bufferedAmount` would pass it, except that an empty buffer always takes one frame (an event
 * larger than the limit must not stall its stream), and 1 KiB of it stays free for the final
 * error and close frames. A replay is pulled, so before each event it waits for room (and the
 * socket to drain). Live events are pushed by the shared tail, which must never wait for one client:
 * a client without room gets `SLOW_CONSUMER` with `resumeFrom` (its cursor: every matching event up
 * to it has been sent) and is closed with 4408. Replies (errors, pongs) obey the
 * same limit: a client that floods us with bad frames and reads none of the answers is a slow
 * consumer too. Live events of one tail batch are held back (the transport is corked) and leave in
 * one write when the batch ends; held bytes count against the limit, so before judging a client
 * slow the session hands them to the kernel and looks again: the verdict is the same as if each
 * event had been written on its own. Client messages — frames, pings and unsolicited pongs alike — are limited to
 * `messagesPerMinute` (a token bucket of that size); past it: `RATE_LIMITED`, close 1008.
 *
 * Heartbeats: a ping with a random payload every `heartbeatMs`; a socket that has not answered
 * the previous one with that payload is terminated (a client cannot stay "alive" by sending pongs
 * of its own: only the answer to our ping counts). Bad frames (binary, not JSON, wrong shape, over
 * 16 KiB) get `MALFORMED_MESSAGE` and the connection stays open.
 */

export type SessionLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * Kept free in every send buffer for what may still follow a cut-off: one error frame (its message is
 * at most 300 printable characters), our heartbeat ping and the close frame.
 */
export const FINAL_FRAMES_RESERVE = 1024;
const DRAIN_POLL_MS = 20;
/** Text frames whatever the payload's type: the tail's shared frames are Buffers. */
const TEXT = { binary: false } as const;
/** setTimeout's ceiling (~24.8 days); a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What every session of one stream shares: its settings, its tail, and the stream's hooks. */
export interface SessionContext {
  readonly events: EventLogReader;
  readonly tail: EventTail;
  readonly batchSize: number;
  readonly maxBufferedBytes: number;
  readonly messagesPerMinute: number;
  readonly logger: SessionLogger;
  /** Checks the fresh token of an `authenticate` message (the admission's check). */
  verify(token: string): StreamGrant | undefined;
  /** True once the whole stream is closing: replays stop. */
  shuttingDown(): boolean;
  /** The socket's `bufferedAmount` right after a frame was queued on it (for `StreamStats`). */
  noteBuffered(bufferedAmount: number): void;
  /** A replay has started; closing the stream waits for it. */
  trackReplay(replay: Promise<void>): void;
  /** The socket is gone: the stream forgets this session. */
  forget(session: ClientSession): void;
}

interface Subscription extends TailSubscriber {
  readonly filter: EffectiveFilter;
  cursor: number;
  live: boolean;
}

export class ClientSession {
  private readonly principal: Principal;
  /** Epoch ms: the session ends then unless a fresh token extends it. */
  private expiresAt: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** The payload of our last ping while its pong is outstanding. */
  private awaitingPong: Buffer | undefined;
  /** Token bucket of client messages. */
  private allowance: number;
  private allowanceAt: number;
  private closed = false;
  private subscription: Subscription | undefined;
  /** Whether `transport` is corked by us: live events of the current tail batch wait in it. */
  private holding = false;

  /**
   * `transport` is the connection `socket` runs on (the upgrade's socket): corked while a tail
   * batch is handed out, so a batch costs one write per client rather than one per event.
   */
  constructor(
    readonly socket: WebSocket,
    private readonly transport: Duplex,
    grant: StreamGrant,
    private readonly address: string,
    private readonly ctx: SessionContext,
  ) {
    this.principal = grant.principal;
    this.expiresAt = grant.expiresAt;
    this.allowance = ctx.messagesPerMinute;
    this.allowanceAt = Date.now();
    socket.on('pong', (data) => {
      if (this.awaitingPong?.equals(data)) {
        this.awaitingPong = undefined;
        return;
      }
      // Unsolicited (or stale): proves nothing about the client reading, and costs like a message.
      this.withinRate();
    });
    socket.on('ping', (data) => {
      if (!this.withinRate() || !this.writable()) return;
      // A pong we have no room for is not sent: a client that pings without reading gets nothing.
      if (!this.fits(data.length + 2)) return;
      socket.pong(data);
      this.noteBuffered();
    });
    socket.on('error', (err) => ctx.logger.debug({ err }, 'stream socket error'));
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.expiryTimer);
      this.endSubscription();
      ctx.forget(this);
    });
    socket.on('message', (data, isBinary) => {
      if (!this.withinRate()) return;
      const parsed = parseClientMessage(data, isBinary);
      if (!parsed.ok) return this.reply(STREAM_ERROR_CODES.MALFORMED, parsed.reason);
      if (parsed.message.type === 'authenticate') return this.reauthenticate(parsed.message.token);
      this.subscribe(parsed.message);
    });
    this.scheduleExpiry();
  }

  /** The stream's heartbeat tick: cuts the socket off if our previous ping went unanswered, else pings. */
  heartbeat(): void {
    if (this.closed) return; // closing: `closeTimeout` cuts it off if it does not answer
    if (this.awaitingPong) {
      this.ctx.logger.debug({ principal: this.principal.name }, 'stream client missed a heartbeat');
      this.socket.terminate();
      return;
    }
    this.awaitingPong = randomBytes(8);
    this.socket.ping(this.awaitingPong);
    this.noteBuffered();
  }

  /** Stops everything this session does and starts the close handshake with `code`. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    this.endSubscription();
    this.socket.close(code, reason);
    this.release();
    this.noteBuffered();
  }

  // --- sending, within the buffer limit -------------------------------------------------------

  private noteBuffered(): void {
    this.ctx.noteBuffered(this.socket.bufferedAmount);
  }

  /**
   * Whether `bytes` more fit in the socket's buffer, leaving `reserve` free. An empty buffer takes
   * anything. Bytes we hold back are not the client's doing: they go to the kernel before a "no".
   */
  private fits(bytes: number, reserve = FINAL_FRAMES_RESERVE): boolean {
    if (this.hasRoom(bytes, reserve)) return true;
    if (!this.holding) return false;
    this.release();
    return this.hasRoom(bytes, reserve);
  }

  private hasRoom(bytes: number, reserve: number): boolean {
    const buffered = this.socket.bufferedAmount;
    return buffered === 0 || buffered + bytes <= this.ctx.maxBufferedBytes - reserve;
  }

  /** Corks the transport until `release`: the frames written meanwhile leave together. */
  private hold(): void {
    if (this.holding || !this.writable()) return;
    this.transport.cork();
    this.holding = true;
  }

  /** Sends what `hold` kept back (one write). */
  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.transport.uncork();
    this.noteBuffered();
  }

  private writable(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  private write(data: string | Buffer): void {
    this.socket.send(data, TEXT);
    // While held, the amount is noted on release: what the kernel did not take by then.
    if (!this.holding) this.noteBuffered();
  }

  /** A frame pushed at the client (live event, reply): without room for it, the client is cut off. */
  private push(data: string | Buffer): void {
    if (!this.writable()) return;
    if (this.fits(typeof data === 'string' ? Buffer.byteLength(data) : data.length)) return this.write(data);
    const resumeFrom = this.subscription?.cursor;
    this.ctx.logger.warn(
      { principal: this.principal.name, resumeFrom, buffered: this.socket.bufferedAmount },
      'slow stream consumer disconnected',
    );
    this.fail(
      STREAM_ERROR_CODES.SLOW_CONSUMER,
      `more than ${this.ctx.maxBufferedBytes} bytes waiting to be read` +
        (resumeFrom === undefined ? '' : `; resubscribe with since=${resumeFrom}`),
      STREAM_CLOSE_CODES.SLOW_CONSUMER,
      resumeFrom,
    );
  }

  private reply(code: ErrorMessage['code'], message: string): void {
    this.push(errorFrame(code, message));
  }

  /** The last error frame (if there is room for it), then close with `closeCode`. */
  private fail(code: ErrorMessage['code'], message: string, closeCode: number, resumeFrom?: number): void {
    if (!this.writable()) return;
    const data = errorFrame(code, message, resumeFrom);
    if (this.fits(Buffer.byteLength(data), 0)) this.write(data);
    this.end(closeCode, code);
  }

  // --- subscriptions --------------------------------------------------------------------------

  private endSubscription(): void {
    const sub = this.subscription;
    this.subscription = undefined;
    if (sub?.live) this.ctx.tail.leave(sub);
  }

  private subscribe(message: SubscribeMessage): void {
    const decision = authorizeFilter(this.principal, message.filter);
    if (!decision.ok) return this.reply(STREAM_ERROR_CODES.FORBIDDEN_FILTER, decision.reason);
    this.endSubscription();
    const sub: Subscription = {
      filter: decision.filter,
      cursor: message.since ?? 0,
      live: false,
      // The tail advances `cursor` after this returns: a cut-off here resumes from before `_event`.
      // Held events count as sent: they leave before the error frame of any cut-off.
      deliver: (_event, data) => {
        this.hold();
        this.push(data);
      },
      flush: () => this.release(),
    };
    this.subscription = sub;
    this.ctx.trackReplay(this.replay(sub));
  }

  /**
   * Catches `sub` up from its cursor, then joins the tail. It reads at least to the log's end as
   * of this subscribe, so everything committed before it is replayed before `ready` even when the
   * tail has not been woken for it yet; past that it chases the tail's scanned position.
   */
  private async replay(sub: Subscription): Promise<void> {
    const { tail, batchSize } = this.ctx;
    const current = (): boolean => !this.ctx.shuttingDown() && !this.closed && this.subscription === sub;
    try {
      const end = await this.ctx.events.lastPosition();
      await tail.scanned();
      while (current()) {
        // Both bounds are positions someone saw committed: everything below them is visible too.
        const target = Math.max(end, tail.scannedPosition()!);
        // target ≥ the tail's position, so this join cannot be refused.
        if (sub.cursor >= target && tail.tryJoin(sub)) {
          sub.live = true;
          this.push(frame({ type: 'ready', position: sub.cursor }));
          return;
        }
        const rows = await this.readFiltered(sub.filter, sub.cursor, target);
        for (const event of rows) {
          const data = eventFrame(event);
          // Pulled, so it waits for room rather than queueing the batch past the limit.
          if (!(await this.room(Buffer.byteLength(data), current))) return;
          this.write(data);
        }
        if (!current()) return;
        sub.cursor = rows.length === batchSize ? rows.at(-1)!.position : Math.max(sub.cursor, target);
        await yieldToIo();
      }
    } catch (err) {
      if (!current()) return;
      this.ctx.logger.error({ err, principal: this.principal.name }, 'event stream replay failed');
      this.fail(
        STREAM_ERROR_CODES.INTERNAL,
        'the event log could not be read; resubscribe',
        STREAM_CLOSE_CODES.INTERNAL_ERROR,
        sub.cursor,
      );
    }
  }

  private readFiltered(filter: EffectiveFilter, after: number, through: number): Promise<StoredEvent[]> {
    return this.ctx.events.read({
      afterPosition: after,
      throughPosition: through,
      partnerId: filter.partnerId,
      ...(filter.paymentId === undefined
        ? {}
        : { aggregateType: PAYMENT_AGGREGATE_TYPE, aggregateId: filter.paymentId }),
      limit: this.ctx.batchSize,
    });
  }

  /** Waits until `bytes` fit in the socket's buffer; false once the replay is no longer wanted. */
  private async room(bytes: number, current: () => boolean): Promise<boolean> {
    while (current() && !this.fits(bytes)) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return current() && this.socket.readyState === WebSocket.OPEN;
  }

  // --- client messages ------------------------------------------------------------------------

  /** Takes one message from the client's allowance; past it the client is closed (1008). */
  private withinRate(): boolean {
    if (this.closed) return false;
    const { messagesPerMinute } = this.ctx;
    const now = Date.now();
    this.allowance = Math.min(
      messagesPerMinute,
      this.allowance + ((now - this.allowanceAt) * messagesPerMinute) / 60_000,
    );
    this.allowanceAt = now;
    if (this.allowance >= 1) {
      this.allowance -= 1;
      return true;
    }
    this.ctx.logger.warn(
      { principal: this.principal.name, address: this.address },
      'stream client rate-limited',
    );
    this.fail(
      STREAM_ERROR_CODES.RATE_LIMITED,
      `more than ${messagesPerMinute} messages a minute`,
      STREAM_CLOSE_CODES.POLICY_VIOLATION,
      this.subscription?.cursor,
    );
    return false;
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.expiresAt - Date.now()));
    this.expiryTimer = setTimeout(() => this.onExpiry(), delay);
    this.expiryTimer.unref();
  }

  private onExpiry(): void {
    if (this.closed) return;
    if (Date.now() < this.expiresAt) return this.scheduleExpiry();
    this.ctx.logger.info({ principal: this.principal.name }, 'stream session expired');
    this.fail(
      STREAM_ERROR_CODES.TOKEN_EXPIRED,
      "the token expired: send {type:'authenticate', token} with a fresh one before it does, or reconnect",
      STREAM_CLOSE_CODES.TOKEN_EXPIRED,
      this.subscription?.cursor,
    );
  }

  private reauthenticate(token: string): void {
    const grant = this.ctx.verify(token);
    if (!grant)
      return this.reply(
        STREAM_ERROR_CODES.UNAUTHORIZED,
        `the token is invalid or expired; this session still ends at ${new Date(this.expiresAt).toISOString()}`,
      );
    if (!samePrincipal(grant.principal, this.principal)) {
      this.ctx.logger.warn(
        { principal: this.principal.name, other: grant.principal.name },
        'stream client re-authenticated as someone else',
      );
      return this.fail(
        STREAM_ERROR_CODES.PRINCIPAL_CHANGED,
        'a stream belongs to the principal that opened it: reconnect with the new token',
        STREAM_CLOSE_CODES.PRINCIPAL_CHANGED,
        this.subscription?.cursor,
      );
    }
    this.expiresAt = Math.max(this.expiresAt, grant.expiresAt);
    this.scheduleExpiry();
  }
}

function errorFrame(code: ErrorMessage['code'], message: string, resumeFrom?: number): string {
  return frame({
    type: 'error',
    code,
    message: boundedReason(message),
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
  });
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return a.name === b.name && a.role === b.role && (a.partnerId ?? null) === (b.partnerId ?? null);
}
