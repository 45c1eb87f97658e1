import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../../ports/principal';
import type { EventLogReader, EventNotifier, StoredEvent } from '../../ports/event-log.port';
import type { Logger } from '../../shared/logger';
import { STREAM_ERROR_CODES, type ErrorMessage, type SubscribeMessage } from '../stream-protocol';
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage } from './client-message.schema';
import { EventTail, yieldToIo, type TailSubscriber } from './event-tail';
import { eventFrame, frame } from './stream-frames';
import { PAYMENT_AGGREGATE_TYPE, authorizeFilter, type EffectiveFilter } from './stream-filter';

/**
 * The live event stream at `/ws` (protocol: `../stream-protocol.ts`).
 *
 * Authentication happens before the upgrade: `?token=` goes through `authenticate`, and a missing,
 * invalid or expired token (or a `partner` token bound to no partner) is refused with a plain
 * HTTP 401 — no websocket is opened, so an unauthenticated client holds no server resources.
 * A `partner` principal is pinned to its own `partnerId`; asking for another one gets
 * `FORBIDDEN_FILTER` and leaves any current subscription untouched.
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
 * Flow control. A replay is pulled, so it waits for the socket to drain before reading its next
 * batch. Live events are pushed by the shared tail, which must never wait for one client: when a
 * socket's `bufferedAmount` exceeds `maxBufferedBytes` the client gets `SLOW_CONSUMER` with
 * `resumeFrom` (its cursor: every matching event up to it has been sent) and is closed with 4408.
 * Heartbeats: a ping every `heartbeatMs`; a socket that has not answered the previous ping is
 * terminated. Bad frames (binary, not JSON, wrong shape, over 16 KiB) get `MALFORMED_MESSAGE` and the
 * connection stays open; frames over `MAX_FRAME_BYTES` are cut off by `ws` itself (close 1009).
 */

export type StreamLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface EventStreamDeps {
  events: EventLogReader;
  notifier: EventNotifier;
  authenticate: (token: string | null) => Principal | undefined;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  batchSize?: number;
  /** Safety net: the tail also looks at the log this often, in case a wake-up was lost. */
  pollIntervalMs?: number;
  logger?: StreamLogger;
}

export interface EventStream {
  /** Serves websocket upgrades at `/ws` on this server (other upgrade paths get 404). */
  attach(server: Server): void;
  /** Closes every socket with 1001 and stops reading; does not stop the notifier (its owner does). */
  close(): Promise<void>;
  clientCount(): number;
}

export const STREAM_PATH = '/ws';
export const CLOSE_SLOW_CONSUMER = 4408;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_INTERNAL_ERROR = 1011;
/** `ws` refuses larger frames outright; smaller oversized ones get MALFORMED_MESSAGE. */
const MAX_FRAME_BYTES = 64 * MAX_CLIENT_MESSAGE_BYTES;
const DRAIN_POLL_MS = 20;
const CLOSE_GRACE_MS = 2_000;

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
  alive: boolean;
  closed: boolean;
  subscription: Subscription | undefined;
}

export function createEventStream(deps: EventStreamDeps): EventStream {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBufferedBytes = deps.maxBufferedBytes ?? 1024 * 1024;
  const batchSize = deps.batchSize ?? 500;
  const logger = deps.logger ?? silent;
  const tail = new EventTail(deps.events, batchSize, logger);
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: MAX_FRAME_BYTES });
  const clients = new Set<Client>();
  const replays = new Set<Promise<void>>();
  const servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  let closed = false;

  const unsubscribe = deps.notifier.subscribe(() => tail.wake());
  const poll = setInterval(() => tail.wake(), deps.pollIntervalMs ?? 5_000);
  poll.unref();
  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        logger.debug({ principal: client.principal.name }, 'stream client missed a heartbeat');
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();
  // Learn where the log ends now, so the first subscriber does not wait for it.
  tail.wake();

  function send(client: Client, data: string): void {
    if (client.socket.readyState === WebSocket.OPEN) client.socket.send(data);
  }

  function sendError(client: Client, code: ErrorMessage['code'], message: string, resumeFrom?: number): void {
    send(
      client,
      frame({ type: 'error', code, message, ...(resumeFrom === undefined ? {} : { resumeFrom }) }),
    );
  }

  function endSubscription(client: Client): void {
    const sub = client.subscription;
    client.subscription = undefined;
    if (sub?.live) tail.leave(sub);
  }

  function drop(client: Client, code: number, reason: string): void {
    if (client.closed) return;
    client.closed = true;
    endSubscription(client);
    client.socket.close(code, reason);
  }

  function subscribe(client: Client, message: SubscribeMessage): void {
    const decision = authorizeFilter(client.principal, message.filter);
    if (!decision.ok) return sendError(client, STREAM_ERROR_CODES.FORBIDDEN_FILTER, decision.reason);
    endSubscription(client);
    const sub: Subscription = {
      filter: decision.filter,
      cursor: message.since ?? 0,
      live: false,
      deliver: (_event, data) => {
        send(client, data);
        if (client.socket.bufferedAmount > maxBufferedBytes) {
          logger.warn(
            {
              principal: client.principal.name,
              resumeFrom: sub.cursor,
              buffered: client.socket.bufferedAmount,
            },
            'slow stream consumer disconnected',
          );
          sendError(
            client,
            STREAM_ERROR_CODES.SLOW_CONSUMER,
            `more than ${maxBufferedBytes} bytes waiting to be read; resubscribe with since=${sub.cursor}`,
            sub.cursor,
          );
          drop(client, CLOSE_SLOW_CONSUMER, 'slow consumer');
        }
      },
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
          send(client, frame({ type: 'ready', position: sub.cursor }));
          return;
        }
        const rows = await readFiltered(sub.filter, sub.cursor, target);
        if (!current()) return;
        for (const event of rows) send(client, eventFrame(event));
        sub.cursor = rows.length === batchSize ? rows.at(-1)!.position : Math.max(sub.cursor, target);
        await yieldToIo();
        await drained(client, current);
      }
    } catch (err) {
      if (!current()) return;
      logger.error({ err, principal: client.principal.name }, 'event stream replay failed');
      sendError(
        client,
        STREAM_ERROR_CODES.INTERNAL,
        'the event log could not be read; resubscribe',
        sub.cursor,
      );
      drop(client, CLOSE_INTERNAL_ERROR, 'internal error');
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

  /** Waits until the client has read most of what the replay sent (the replay is pulled, not pushed). */
  async function drained(client: Client, current: () => boolean): Promise<void> {
    while (current() && client.socket.bufferedAmount > maxBufferedBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  function onConnection(socket: WebSocket, principal: Principal): void {
    const client: Client = { socket, principal, alive: true, closed: false, subscription: undefined };
    clients.add(client);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('error', (err) => logger.debug({ err }, 'stream socket error'));
    socket.on('close', () => {
      client.closed = true;
      endSubscription(client);
      clients.delete(client);
    });
    socket.on('message', (data, isBinary) => {
      if (client.closed) return;
      const parsed = parseClientMessage(data, isBinary);
      if (!parsed.ok) return sendError(client, STREAM_ERROR_CODES.MALFORMED, parsed.reason);
      subscribe(client, parsed.message);
    });
  }

  function refuse(socket: Duplex, status: number, title: string): void {
    const body = JSON.stringify({ type: 'about:blank', title, status });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => logger.debug({ err }, 'stream upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) return refuse(socket, 404, 'Not Found');
    if (closed) return refuse(socket, 503, 'Service Unavailable');
    let principal: Principal | undefined;
    try {
      principal = deps.authenticate(url.searchParams.get('token'));
    } catch (err) {
      // A throwing verifier must not take the process down from inside an 'upgrade' listener.
      logger.error({ err }, 'stream authentication failed');
    }
    if (!principal || (principal.role === 'partner' && !principal.partnerId))
      return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closed) return ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      onConnection(ws, principal);
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
      for (const client of clients) drop(client, CLOSE_GOING_AWAY, 'server shutting down');
      await Promise.all([
        tail.stop(),
        Promise.allSettled([...replays]),
        ...sockets.map((socket) => closedOrTerminated(socket, CLOSE_GRACE_MS)),
      ]);
      wss.close();
    },

    clientCount: () => clients.size,
  };
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
