import {
  STREAM_ERROR_CODES,
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

export interface StreamClientOptions {
  /** `ws://host/ws`, without the token. */
  url: string;
  /** A fresh token per connection attempt (they are short-lived); `undefined` = connect without. */
  token: () => Promise<string | undefined>;
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
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
}

/**
 * The live event stream with automatic reconnect. It remembers the last position it delivered and
 * resubscribes with `since` = that position, and drops anything at or below it, so a reconnect
 * neither loses nor repeats an event.
 */
export class StreamClient {
  private socket: SocketLike | undefined;
  private lastPosition: number;
  private failures = 0;
  private wasLive = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
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
    this.flush();
    const s = this.socket;
    this.socket = undefined;
    s?.close(1000, 'client stopped');
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.opts.onState(this.wasLive || this.failures > 0 ? 'reconnecting' : 'connecting');
    let token: string | undefined;
    try {
      token = await this.opts.token();
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

    const url = token ? `${this.opts.url}?token=${encodeURIComponent(token)}` : this.opts.url;
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
    };
    socket.onmessage = (m) => {
      if (this.socket === socket) this.handle(socket, m.data);
    };
    // A failed handshake fires error then close; close alone decides about retrying.
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
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
