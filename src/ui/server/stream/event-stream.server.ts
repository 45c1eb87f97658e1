import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import type { Principal } from '../../../ports/principal';
import type { EventLogReader, EventNotifier, StoredEvent } from '../../../ports/event-log.port';
import type { Logger } from '../../../shared/logger';
import {
  STREAM_CLOSE_CODES,
  STREAM_ERROR_CODES,
  STREAM_UPGRADE_STATUS,
  type ErrorMessage,
  type SubscribeMessage,
} from '../../stream-protocol';
import { MAX_CLIENT_MESSAGE_BYTES, boundedReason, parseClientMessage } from './client-message.schema';
import { EventTail, yieldToIo, type TailSubscriber } from './event-tail';
import { eventFrame, frame } from './stream-frames';
import { PAYMENT_AGGREGATE_TYPE, authorizeFilter, type EffectiveFilter } from './stream-filter';

/**
 * The live event stream at `/ws` (protocol: `../../stream-protocol.ts`).
 *
 * Admission happens before the upgrade, in this order, each refusal a plain HTTP answer (no
 * websocket is opened, so a refused client holds no server resources): a browser's `Origin` must be
 * on the allow-list (403; a request without `Origin` is not a browser's and may pass — it still
 * needs a token, which is what protects the stream); `?token=` goes through `authenticate`, and a
 * missing, invalid or expired token (or a `partner` token bound to no partner) gets 401; then at
 * most `maxConnectionsPerIp` open sockets per client address and `maxConnectionsPerPrincipal` per
 * principal (429). A `partner` principal is pinned to its own `partnerId`; asking for another one
 * gets `FORBIDDEN_FILTER` and leaves any current subscription untouched.
 *
 * Sessions end with the token: when it expires the client gets `TOKEN_EXPIRED` and is closed with
 * 4401, unless it sent `{type:'authenticate', token}` with a fresh token for the same principal
 * first, which moves the end to that token's expiry (a token for another principal: closed with
 * 4403). Tokens come only from the API, for a valid key, so a revoked key's streams end within one
 * token lifetime (`WS_TOKEN_TTL`).
 *
 * No gaps, no duplicates. The log's positions become visible in commit order (see
 * `KnexEventLog`), so "everything after position p" is a stable question. Each server runs one
 * shared reader, the `EventTail`, which on every wake-up (notifier, or a safety poll) reads
 * "position > scanned" once, in batches, and fans each event out to the joined subscribers whose
 * filter matches (indexed by partner, the event serialised once). A subscribe starts a replay of
 * its own: it reads its filtered events after `since` up to max(the log's end when the subscribe
 * arrived, the tail's scanned position), in batches, and repeats until it has covered everything
 * the tail has scanned; then, in the same synchronous step, it joins the tail and is sent
 * `ready {position}`. From there the tail delivers every later event; anything committed during
 * the replay is either at or below the replay's bound (read by the replay) or above the tail's
 * position (read by the tail), and a per-subscriber cursor drops whatever both read.
 * `ready.position` is that cursor: the position up to which this subscriber has been served, at
 * least `since` and the log's end at subscribe time; resubscribing from it loses nothing.
 * The notification payload is never trusted: the log is the truth, wake-ups only say "look".
 * Cost per wake-up and server: one query (a batch read; or, while nobody has joined, one
 * `max(position)` to track the end), whatever the number of clients; one query per replay batch.
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
 * consumer too. Client messages — frames, pings and unsolicited pongs alike — are limited to
 * `messagesPerMinute` (a token bucket of that size); past it: `RATE_LIMITED`, close 1008. A closing
 * socket that does not finish the close handshake is cut off after 2 s.
 *
 * Heartbeats: a ping with a random payload every `heartbeatMs`; a socket that has not answered
 * the previous one with that payload is terminated (a client cannot stay "alive" by sending pongs
 * of its own: only the answer to our ping counts). Bad frames (binary, not JSON, wrong shape, over
 * 16 KiB) get `MALFORMED_MESSAGE` and the connection stays open; frames over `MAX_FRAME_BYTES` are
 * cut off by `ws` itself (close 1009).
 */

export type StreamLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Who a token names, and until when (epoch ms) it is good. */
export interface StreamSession {
  principal: Principal;
  expiresAt: number;
}

export interface EventStreamDeps {
  events: EventLogReader;
  notifier: EventNotifier;
  /** Verifies a stream token; `undefined` for a missing, invalid or expired one. */
  authenticate: (token: string | null) => StreamSession | undefined;
  /**
   * Browser origins (`scheme://host[:port]`) allowed to open the stream: the API's CORS allow-list.
   * An upgrade whose `Origin` is not listed is refused (403); one without `Origin` (not a browser)
   * passes on to the token check. Default: none, so no browser page can connect.
   */
  allowedOrigins?: readonly string[];
  /** Open sockets per principal (token name); more are refused with 429. Default 20. */
  maxConnectionsPerPrincipal?: number;
  /**
   * Open sockets per client address; more are refused with 429. Default 50. The address is the
   * peer's, or — when the peer is a loopback proxy — the last non-loopback `X-Forwarded-For` hop,
   * as the API's `trust proxy: loopback` reads it.
   */
  maxConnectionsPerIp?: number;
  /** Client messages (frames, pings, unsolicited pongs) per socket and minute. Default 120. */
  messagesPerMinute?: number;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  batchSize?: number;
  /** Safety net: the tail also looks at the log this often, in case a wake-up was lost. */
  pollIntervalMs?: number;
  logger?: StreamLogger;
}

export interface StreamStats {
  clients: number;
  /** The largest `bufferedAmount` seen on any socket right after the server queued a frame on it. */
  maxBufferedBytesSeen: number;
}

export interface EventStream {
  /** Serves websocket upgrades at `/ws` on this server (other upgrade paths get 404). */
  attach(server: Server): void;
  /** Closes every socket with 1001 and stops reading; does not stop the notifier (its owner does). */
  close(): Promise<void>;
  clientCount(): number;
  stats(): StreamStats;
}

export const STREAM_PATH = '/ws';
export const CLOSE_SLOW_CONSUMER = STREAM_CLOSE_CODES.SLOW_CONSUMER;
/** `ws` refuses larger frames outright; smaller oversized ones get MALFORMED_MESSAGE. */
const MAX_FRAME_BYTES = 64 * MAX_CLIENT_MESSAGE_BYTES;
/**
 * Kept free in every send buffer for what may still follow a cut-off: one error frame (its message is
 * at most 300 printable characters), our heartbeat ping and the close frame.
 */
const FINAL_FRAMES_RESERVE = 1024;
const DRAIN_POLL_MS = 20;
const CLOSE_GRACE_MS = 2_000;
/** setTimeout's ceiling (~24.8 days); a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const silent: StreamLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

interface Subscription extends TailSubscriber {
  readonly filter: EffectiveFilter;
  cursor: number;
  live: boolean;
}

interface Client {
  readonly socket: WebSocket;
  readonly principal: Principal;
  readonly address: string;
  /** Epoch ms: the session ends then unless a fresh token extends it. */
  expiresAt: number;
  expiryTimer: NodeJS.Timeout | undefined;
  /** The payload of our last ping while its pong is outstanding. */
  awaitingPong: Buffer | undefined;
  /** Token bucket of client messages. */
  allowance: number;
  allowanceAt: number;
  closed: boolean;
  subscription: Subscription | undefined;
}

export function createEventStream(deps: EventStreamDeps): EventStream {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBufferedBytes = deps.maxBufferedBytes ?? 1024 * 1024;
  const batchSize = deps.batchSize ?? 500;
  const maxPerPrincipal = deps.maxConnectionsPerPrincipal ?? 20;
  const maxPerAddress = deps.maxConnectionsPerIp ?? 50;
  const messagesPerMinute = deps.messagesPerMinute ?? 120;
  const logger = deps.logger ?? silent;
  if (maxBufferedBytes < 4 * FINAL_FRAMES_RESERVE)
    throw new Error(`maxBufferedBytes must be at least ${4 * FINAL_FRAMES_RESERVE}`);
  const allowedOrigins = new Set(
    (deps.allowedOrigins ?? []).map(normaliseOrigin).filter((o): o is string => o !== undefined),
  );
  const tail = new EventTail(deps.events, batchSize, logger);
  const options: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_FRAME_BYTES,
    // We answer pings ourselves: counted against the rate, and only when the buffer has room.
    autoPong: false,
    // A socket we close that does not finish the close handshake is cut off (not in @types/ws yet).
    closeTimeout: CLOSE_GRACE_MS,
  };
  const wss = new WebSocketServer(options);
  const clients = new Set<Client>();
  const openPerPrincipal = new Map<string, number>();
  const openPerAddress = new Map<string, number>();
  const replays = new Set<Promise<void>>();
  const servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  let maxBufferedBytesSeen = 0;
  let closed = false;

  const unsubscribe = deps.notifier.subscribe(() => tail.wake());
  const poll = setInterval(() => tail.wake(), deps.pollIntervalMs ?? 5_000);
  poll.unref();
  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (client.closed) continue; // closing: `closeTimeout` cuts it off if it does not answer
      if (client.awaitingPong) {
        logger.debug({ principal: client.principal.name }, 'stream client missed a heartbeat');
        client.socket.terminate();
        continue;
      }
      client.awaitingPong = randomBytes(8);
      client.socket.ping(client.awaitingPong);
      noteBuffered(client);
    }
  }, heartbeatMs);
  heartbeat.unref();
  // Learn where the log ends now, so the first subscriber does not wait for it.
  tail.wake();

  // --- sending, within the buffer limit -------------------------------------------------------

  function noteBuffered(client: Client): void {
    maxBufferedBytesSeen = Math.max(maxBufferedBytesSeen, client.socket.bufferedAmount);
  }

  /** Whether `bytes` more fit in the socket's buffer, leaving `reserve` free. An empty buffer takes anything. */
  function fits(client: Client, bytes: number, reserve = FINAL_FRAMES_RESERVE): boolean {
    const buffered = client.socket.bufferedAmount;
    return buffered === 0 || buffered + bytes <= maxBufferedBytes - reserve;
  }

  function writable(client: Client): boolean {
    return !client.closed && client.socket.readyState === WebSocket.OPEN;
  }

  function write(client: Client, data: string): void {
    client.socket.send(data);
    noteBuffered(client);
  }

  /** A frame pushed at the client (live event, reply): without room for it, the client is cut off. */
  function push(client: Client, data: string): void {
    if (!writable(client)) return;
    if (fits(client, Buffer.byteLength(data))) return write(client, data);
    const resumeFrom = client.subscription?.cursor;
    logger.warn(
      { principal: client.principal.name, resumeFrom, buffered: client.socket.bufferedAmount },
      'slow stream consumer disconnected',
    );
    fail(
      client,
      STREAM_ERROR_CODES.SLOW_CONSUMER,
      `more than ${maxBufferedBytes} bytes waiting to be read` +
        (resumeFrom === undefined ? '' : `; resubscribe with since=${resumeFrom}`),
      STREAM_CLOSE_CODES.SLOW_CONSUMER,
      resumeFrom,
    );
  }

  function errorFrame(code: ErrorMessage['code'], message: string, resumeFrom?: number): string {
    return frame({
      type: 'error',
      code,
      message: boundedReason(message),
      ...(resumeFrom === undefined ? {} : { resumeFrom }),
    });
  }

  function reply(client: Client, code: ErrorMessage['code'], message: string): void {
    push(client, errorFrame(code, message));
  }

  /** The last error frame (if there is room for it), then close with `closeCode`. */
  function fail(
    client: Client,
    code: ErrorMessage['code'],
    message: string,
    closeCode: number,
    resumeFrom?: number,
  ): void {
    if (!writable(client)) return;
    const data = errorFrame(code, message, resumeFrom);
    if (fits(client, Buffer.byteLength(data), 0)) write(client, data);
    drop(client, closeCode, code);
  }

  // --- subscriptions --------------------------------------------------------------------------

  function endSubscription(client: Client): void {
    const sub = client.subscription;
    client.subscription = undefined;
    if (sub?.live) tail.leave(sub);
  }

  function drop(client: Client, code: number, reason: string): void {
    if (client.closed) return;
    client.closed = true;
    clearTimeout(client.expiryTimer);
    endSubscription(client);
    client.socket.close(code, reason);
    noteBuffered(client);
  }

  function subscribe(client: Client, message: SubscribeMessage): void {
    const decision = authorizeFilter(client.principal, message.filter);
    if (!decision.ok) return reply(client, STREAM_ERROR_CODES.FORBIDDEN_FILTER, decision.reason);
    endSubscription(client);
    const sub: Subscription = {
      filter: decision.filter,
      cursor: message.since ?? 0,
      live: false,
      // The tail advances `cursor` after this returns: a cut-off here resumes from before `_event`.
      deliver: (_event, data) => push(client, data),
    };
    client.subscription = sub;
    const replaying = replay(client, sub).finally(() => replays.delete(replaying));
    replays.add(replaying);
  }

  /**
   * Catches `sub` up from its cursor, then joins the tail. It reads at least to the log's end as
   * of this subscribe, so everything committed before it is replayed before `ready` even when the
   * tail has not been woken for it yet; past that it chases the tail's scanned position.
   */
  async function replay(client: Client, sub: Subscription): Promise<void> {
    const current = (): boolean => !closed && !client.closed && client.subscription === sub;
    try {
      const end = await deps.events.lastPosition();
      await tail.scanned();
      while (current()) {
        // Both bounds are positions someone saw committed: everything below them is visible too.
        const target = Math.max(end, tail.scannedPosition()!);
        // target ≥ the tail's position, so this join cannot be refused.
        if (sub.cursor >= target && tail.tryJoin(sub)) {
          sub.live = true;
          push(client, frame({ type: 'ready', position: sub.cursor }));
          return;
        }
        const rows = await readFiltered(sub.filter, sub.cursor, target);
        for (const event of rows) {
          const data = eventFrame(event);
          // Pulled, so it waits for room rather than queueing the batch past the limit.
          if (!(await room(client, Buffer.byteLength(data), current))) return;
          write(client, data);
        }
        if (!current()) return;
        sub.cursor = rows.length === batchSize ? rows.at(-1)!.position : Math.max(sub.cursor, target);
        await yieldToIo();
      }
    } catch (err) {
      if (!current()) return;
      logger.error({ err, principal: client.principal.name }, 'event stream replay failed');
      fail(
        client,
        STREAM_ERROR_CODES.INTERNAL,
        'the event log could not be read; resubscribe',
        STREAM_CLOSE_CODES.INTERNAL_ERROR,
        sub.cursor,
      );
    }
  }

  function readFiltered(filter: EffectiveFilter, after: number, through: number): Promise<StoredEvent[]> {
    return deps.events.read({
      afterPosition: after,
      throughPosition: through,
      partnerId: filter.partnerId,
      ...(filter.paymentId === undefined
        ? {}
        : { aggregateType: PAYMENT_AGGREGATE_TYPE, aggregateId: filter.paymentId }),
      limit: batchSize,
    });
  }

  /** Waits until `bytes` fit in the client's buffer; false once the replay is no longer wanted. */
  async function room(client: Client, bytes: number, current: () => boolean): Promise<boolean> {
    while (current() && !fits(client, bytes)) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return current() && client.socket.readyState === WebSocket.OPEN;
  }

  // --- client messages ------------------------------------------------------------------------

  /** Takes one message from the client's allowance; past it the client is closed (1008). */
  function withinRate(client: Client): boolean {
    if (client.closed) return false;
    const now = Date.now();
    client.allowance = Math.min(
      messagesPerMinute,
      client.allowance + ((now - client.allowanceAt) * messagesPerMinute) / 60_000,
    );
    client.allowanceAt = now;
    if (client.allowance >= 1) {
      client.allowance -= 1;
      return true;
    }
    logger.warn({ principal: client.principal.name, address: client.address }, 'stream client rate-limited');
    fail(
      client,
      STREAM_ERROR_CODES.RATE_LIMITED,
      `more than ${messagesPerMinute} messages a minute`,
      STREAM_CLOSE_CODES.POLICY_VIOLATION,
      client.subscription?.cursor,
    );
    return false;
  }

  function scheduleExpiry(client: Client): void {
    clearTimeout(client.expiryTimer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, client.expiresAt - Date.now()));
    client.expiryTimer = setTimeout(() => onExpiry(client), delay);
    client.expiryTimer.unref();
  }

  function onExpiry(client: Client): void {
    if (client.closed) return;
    if (Date.now() < client.expiresAt) return scheduleExpiry(client);
    logger.info({ principal: client.principal.name }, 'stream session expired');
    fail(
      client,
      STREAM_ERROR_CODES.TOKEN_EXPIRED,
      "the token expired: send {type:'authenticate', token} with a fresh one before it does, or reconnect",
      STREAM_CLOSE_CODES.TOKEN_EXPIRED,
      client.subscription?.cursor,
    );
  }

  function reauthenticate(client: Client, token: string): void {
    const session = verify(token);
    if (!session)
      return reply(
        client,
        STREAM_ERROR_CODES.UNAUTHORIZED,
        `the token is invalid or expired; this session still ends at ${new Date(client.expiresAt).toISOString()}`,
      );
    if (!samePrincipal(session.principal, client.principal)) {
      logger.warn(
        { principal: client.principal.name, other: session.principal.name },
        'stream client re-authenticated as someone else',
      );
      return fail(
        client,
        STREAM_ERROR_CODES.PRINCIPAL_CHANGED,
        'a stream belongs to the principal that opened it: reconnect with the new token',
        STREAM_CLOSE_CODES.PRINCIPAL_CHANGED,
        client.subscription?.cursor,
      );
    }
    client.expiresAt = Math.max(client.expiresAt, session.expiresAt);
    scheduleExpiry(client);
  }

  function onConnection(socket: WebSocket, session: StreamSession, address: string): void {
    const client: Client = {
      socket,
      principal: session.principal,
      address,
      expiresAt: session.expiresAt,
      expiryTimer: undefined,
      awaitingPong: undefined,
      allowance: messagesPerMinute,
      allowanceAt: Date.now(),
      closed: false,
      subscription: undefined,
    };
    clients.add(client);
    socket.on('pong', (data) => {
      if (client.awaitingPong?.equals(data)) {
        client.awaitingPong = undefined;
        return;
      }
      // Unsolicited (or stale): proves nothing about the client reading, and costs like a message.
      withinRate(client);
    });
    socket.on('ping', (data) => {
      if (!withinRate(client) || !writable(client)) return;
      // A pong we have no room for is not sent: a client that pings without reading gets nothing.
      if (!fits(client, data.length + 2)) return;
      socket.pong(data);
      noteBuffered(client);
    });
    socket.on('error', (err) => logger.debug({ err }, 'stream socket error'));
    socket.on('close', () => {
      client.closed = true;
      clearTimeout(client.expiryTimer);
      endSubscription(client);
      clients.delete(client);
    });
    socket.on('message', (data, isBinary) => {
      if (!withinRate(client)) return;
      const parsed = parseClientMessage(data, isBinary);
      if (!parsed.ok) return reply(client, STREAM_ERROR_CODES.MALFORMED, parsed.reason);
      if (parsed.message.type === 'authenticate') return reauthenticate(client, parsed.message.token);
      subscribe(client, parsed.message);
    });
    scheduleExpiry(client);
  }

  // --- admission ------------------------------------------------------------------------------

  function verify(token: string | null): StreamSession | undefined {
    let session: StreamSession | undefined;
    try {
      session = deps.authenticate(token);
    } catch (err) {
      // A throwing verifier must not take the process down from inside an 'upgrade' listener.
      logger.error({ err }, 'stream authentication failed');
      return undefined;
    }
    if (!session || !(session.expiresAt > Date.now())) return undefined;
    if (session.principal.role === 'partner' && !session.principal.partnerId) return undefined;
    return session;
  }

  function refuse(socket: Duplex, status: number, title: string, detail?: string): void {
    const body = JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => logger.debug({ err }, 'stream upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) return refuse(socket, STREAM_UPGRADE_STATUS.NOT_FOUND, 'Not Found');
    if (closed) return refuse(socket, STREAM_UPGRADE_STATUS.UNAVAILABLE, 'Service Unavailable');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(normaliseOrigin(origin) ?? '')) {
      logger.warn({ origin: boundedReason(origin) }, 'stream upgrade from a foreign origin refused');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.FORBIDDEN_ORIGIN,
        'Forbidden',
        'this origin may not open the stream (CORS_ORIGINS)',
      );
    }
    const session = verify(url.searchParams.get('token'));
    if (!session) return refuse(socket, STREAM_UPGRADE_STATUS.UNAUTHORIZED, 'Unauthorized');
    const address = clientAddress(req);
    const who = session.principal.name;
    if ((openPerAddress.get(address) ?? 0) >= maxPerAddress) {
      logger.warn({ address }, 'stream connection refused: too many from this address');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.TOO_MANY_CONNECTIONS,
        'Too Many Requests',
        `at most ${maxPerAddress} open streams per client address`,
      );
    }
    if ((openPerPrincipal.get(who) ?? 0) >= maxPerPrincipal) {
      logger.warn({ principal: who }, 'stream connection refused: too many for this principal');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.TOO_MANY_CONNECTIONS,
        'Too Many Requests',
        `at most ${maxPerPrincipal} open streams per principal`,
      );
    }
    // Counted from here until the TCP connection is gone, whether or not the handshake completes.
    increment(openPerAddress, address, 1);
    increment(openPerPrincipal, who, 1);
    socket.once('close', () => {
      increment(openPerAddress, address, -1);
      increment(openPerPrincipal, who, -1);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closed) return ws.close(STREAM_CLOSE_CODES.GOING_AWAY, 'server shutting down');
      onConnection(ws, session, address);
    });
  }

  return {
    attach(server) {
      if (closed) throw new Error('the event stream is closed');
      if (servers.has(server)) return;
      servers.set(server, onUpgrade);
      server.on('upgrade', onUpgrade);
    },

    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(poll);
      clearInterval(heartbeat);
      for (const [server, listener] of servers) server.off('upgrade', listener);
      servers.clear();
      const sockets = [...clients].map((c) => c.socket);
      for (const client of clients) drop(client, STREAM_CLOSE_CODES.GOING_AWAY, 'server shutting down');
      await Promise.all([
        tail.stop(),
        Promise.allSettled([...replays]),
        ...sockets.map((socket) => closedOrTerminated(socket, CLOSE_GRACE_MS)),
      ]);
      wss.close();
    },

    clientCount: () => clients.size,

    stats: () => ({ clients: clients.size, maxBufferedBytesSeen }),
  };
}

function increment(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return a.name === b.name && a.role === b.role && (a.partnerId ?? null) === (b.partnerId ?? null);
}

/** `scheme://host[:port]`, lower-cased and without a default port; undefined for `null` or garbage. */
export function normaliseOrigin(origin: string): string | undefined {
  try {
    const parsed = new URL(origin).origin;
    return parsed === 'null' ? undefined : parsed;
  } catch {
    return undefined;
  }
}

function canonicalAddress(raw: string | undefined): string | undefined {
  if (!raw || !ipaddr.isValid(raw)) return undefined;
  return ipaddr.process(raw).toString();
}

/**
 * The client's address: the peer's, unless the peer is a proxy on this host (loopback); then the
 * right-most `X-Forwarded-For` hop that is not loopback either, like Express's `trust proxy: loopback`.
 */
export function clientAddress(req: IncomingMessage): string {
  const peer = canonicalAddress(req.socket.remoteAddress) ?? 'unknown';
  const isLoopback = (a: string): boolean => ipaddr.parse(a).range() === 'loopback';
  if (peer === 'unknown' || !isLoopback(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalAddress(hops[i]);
    if (hop === undefined) break;
    client = hop;
    if (!isLoopback(hop)) break;
  }
  return client;
}

/** Resolves once the closing handshake is done, or cuts the socket off after `graceMs`. */
function closedOrTerminated(socket: WebSocket, graceMs: number): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
