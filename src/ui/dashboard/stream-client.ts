import {
  STREAM_ERROR_CODES,
  type AuthenticateMessage,
  type ErrorMessage,
  type EventMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '../stream-protocol';

/** `offline`: no token can be had (no or refused API key); the client waits to be restarted. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** The subset of the browser WebSocket the client uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A stream token as `POST /auth/ws-token` issues it. */
export interface StreamToken {
  token: string;
  /** ISO instant; the server closes the socket then unless it was re-authenticated before. */
  expiresAt?: string;
}

export interface StreamClientOptions {
  /** `ws://host/ws`, without the token. */
  url: string;
  /**
   * A fresh token per connection attempt and before each expiry (they are short-lived);
   * `undefined` = connect without.
   */
  token: () => Promise<StreamToken | undefined>;
  onEvents: (events: EventMessage[]) => void;
  onState: (state: ConnectionState, detail?: { retryInMs?: number; error?: string }) => void;
  onServerError?: (error: ErrorMessage) => void;
  /** A token failure that retrying cannot fix (e.g. 401): stop and report `offline`. */
  isFatal?: (error: unknown) => boolean;
  /** Resume after this log position (0 = from the beginning). */
  since?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Events are handed over in batches at most this often, so a replay of thousands renders once. */
  flushMs?: number;
  /**
   * Re-authenticate on the open socket this long before the token expires. Default: a fifth of
   * the time left, at most a minute.
   */
  refreshMarginMs?: number;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
}

/** Never re-authenticate more often than this, whatever a (skewed) clock says about the expiry. */
const MIN_REFRESH_DELAY_MS = 5_000;
/** After a failed token refresh (API unreachable), try again this much later while the socket lives. */
const REFRESH_RETRY_MS = 5_000;

/**
 * The live event stream with automatic reconnect. It remembers the last position it delivered and
 * resubscribes with `since` = that position, and drops anything at or below it, so a reconnect
 * neither loses nor repeats an event.
 *
 * Before its token expires it fetches a fresh one and sends `{type:'authenticate', token}` on the
 * open socket, so the stream outlives its tokens without a reconnect. A key refused meanwhile
 * (revoked) ends the stream: `offline`. If the refresh cannot happen in time (API unreachable, a
 * clock far off), the server closes the socket at expiry and the client reconnects as after any
 * other cut.
 */
export class StreamClient {
  private socket: SocketLike | undefined;
  private lastPosition: number;
  private failures = 0;
  private wasLive = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private pending: EventMessage[] = [];
  private generation = 0;

  constructor(private readonly opts: StreamClientOptions) {
    this.lastPosition = opts.since ?? 0;
  }

  get position(): number {
    return this.lastPosition;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.flush();
    const s = this.socket;
    this.socket = undefined;
    s?.close(1000, 'client stopped');
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.opts.onState(this.wasLive || this.failures > 0 ? 'reconnecting' : 'connecting');
    let issued: StreamToken | undefined;
    try {
      issued = await this.opts.token();
    } catch (e) {
      if (generation !== this.generation || this.stopped) return;
      const message = e instanceof Error ? e.message : String(e);
      if (this.opts.isFatal?.(e)) {
        this.stopped = true;
        this.opts.onState('offline', { error: message });
      } else {
        this.retry(message);
      }
      return;
    }
    if (generation !== this.generation || this.stopped) return;

    const url = issued ? `${this.opts.url}?token=${encodeURIComponent(issued.token)}` : this.opts.url;
    let socket: SocketLike;
    try {
      socket = (this.opts.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike))(url);
    } catch (e) {
      this.retry(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const subscribe: SubscribeMessage = { type: 'subscribe', since: this.lastPosition };
      socket.send(JSON.stringify(subscribe));
      if (this.socket === socket) this.scheduleRefresh(socket, issued);
    };
    socket.onmessage = (m) => {
      if (this.socket === socket) this.handle(socket, m.data);
    };
    // A failed handshake fires error then close; close alone decides about retrying.
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearTimeout(this.refreshTimer);
      if (!this.stopped) this.retry();
    };
  }

  private handle(socket: SocketLike, raw: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'event':
        if (msg.position <= this.lastPosition) return;
        this.lastPosition = msg.position;
        this.pending.push(msg);
        this.flushTimer ??= setTimeout(() => this.flush(), this.opts.flushMs ?? 30);
        return;
      case 'ready':
        this.flush();
        // `ready` carries the head the replay reached; a filtered stream may have skipped past us.
        this.lastPosition = Math.max(this.lastPosition, msg.position);
        this.failures = 0;
        this.wasLive = true;
        this.opts.onState('live');
        return;
      case 'error':
        this.opts.onServerError?.(msg);
        if (msg.code === STREAM_ERROR_CODES.SLOW_CONSUMER && typeof msg.resumeFrom === 'number') {
          this.lastPosition = Math.min(this.lastPosition, msg.resumeFrom);
        }
        // Every server error but a malformed frame ends this subscription; a new socket (and token) resumes.
        if (msg.code !== STREAM_ERROR_CODES.MALFORMED) socket.close(4000, msg.code);
        return;
    }
  }

  /** Arms the re-authentication of `socket` ahead of `issued`'s expiry (none without one). */
  private scheduleRefresh(socket: SocketLike, issued: StreamToken | undefined): void {
    clearTimeout(this.refreshTimer);
    const expiresAt = issued?.expiresAt === undefined ? NaN : Date.parse(issued.expiresAt);
    if (Number.isNaN(expiresAt)) return;
    const left = expiresAt - Date.now();
    const margin = this.opts.refreshMarginMs ?? Math.min(60_000, Math.max(0, left) / 5);
    const delay = Math.max(MIN_REFRESH_DELAY_MS, left - margin);
    this.refreshTimer = setTimeout(() => void this.reauthenticate(socket), delay);
  }

  private async reauthenticate(socket: SocketLike): Promise<void> {
    const current = () => this.socket === socket && !this.stopped;
    if (!current()) return;
    let issued: StreamToken | undefined;
    try {
      issued = await this.opts.token();
    } catch (e) {
      if (!current()) return;
      if (this.opts.isFatal?.(e)) {
        // The key was refused (revoked, signed out elsewhere): the stream must not outlive it.
        this.stopped = true;
        this.socket = undefined;
        this.flush();
        socket.close(1000, 'key refused');
        this.opts.onState('offline', { error: e instanceof Error ? e.message : String(e) });
        return;
      }
      this.refreshTimer = setTimeout(() => void this.reauthenticate(socket), REFRESH_RETRY_MS);
      return;
    }
    if (!current() || !issued) return;
    const message: AuthenticateMessage = { type: 'authenticate', token: issued.token };
    try {
      socket.send(JSON.stringify(message));
    } catch {
      return; // closing: onclose reconnects
    }
    this.scheduleRefresh(socket, issued);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.opts.onEvents(batch);
  }

  private retry(error?: string): void {
    if (this.stopped) return;
    const initial = this.opts.initialBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const ceiling = Math.min(max, initial * 2 ** this.failures);
    // Full jitter on the upper half: many dashboards reconnecting after a restart do not stampede.
    const delay = Math.round(ceiling / 2 + (this.opts.random ?? Math.random)() * (ceiling / 2));
    this.failures += 1;
    this.opts.onState('reconnecting', { retryInMs: delay, error });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
