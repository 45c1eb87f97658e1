import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import type { EventLogReader, EventNotifier } from '../../../ports/event-log.port';
import type { Logger } from '../../../shared/logger';
import { STREAM_CLOSE_CODES } from '../../stream-protocol';
import { MAX_CLIENT_MESSAGE_BYTES } from './client-message.schema';
import { EventTail } from './event-tail';
import { StreamAdmission, type StreamGrant } from './stream-admission';
import { ClientSession, FINAL_FRAMES_RESERVE, type SessionContext } from './stream-session';

export type { StreamGrant } from './stream-admission';

/**
 * The live event stream at `/ws` (protocol: `../../stream-protocol.ts`), wired here from two parts:
 * - admission (`stream-admission.ts`): each websocket upgrade is refused with a plain HTTP answer
 *   (path, shutdown, Origin, token, connections per address and per principal) or admitted;
 * - a session (`stream-session.ts`) per admitted socket: subscribe and catch-up, token refresh and
 *   expiry, the message rate limit, heartbeats, back-pressure.
 * What they share lives here: the one `EventTail` per server, which on every wake-up (notifier, or
 * a safety poll) reads "position > scanned" once, in batches, and fans each event out to the
 * sessions whose filter matches (indexed by partner, the event serialised and encoded once; each
 * session's share of a batch leaves in one socket write); the heartbeat
 * timer; and shutdown. The notification payload is never trusted: the log is the truth, wake-ups
 * only say "look". Cost per wake-up and server: one query (a batch read; or, while nobody has
 * joined, one `max(position)` to track the end), whatever the number of clients.
 *
 * Frames over `MAX_FRAME_BYTES` are cut off by `ws` itself (close 1009). A closing socket that
 * does not finish the close handshake is cut off after 2 s.
 */

export type StreamLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface EventStreamDeps {
  events: EventLogReader;
  notifier: EventNotifier;
  /** Verifies a stream token; `undefined` for a missing, invalid or expired one. */
  authenticate: (token: string | null) => StreamGrant | undefined;
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
  /**
   * The tail reads the log at most this often (ms; default 10): a burst of commits goes out as one
   * batch, one write per client, for at most this much delay. 0: every wake-up reads at once.
   */
  coalesceMs?: number;
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

/** `ws` refuses larger frames outright; smaller oversized ones get MALFORMED_MESSAGE. */
const MAX_FRAME_BYTES = 64 * MAX_CLIENT_MESSAGE_BYTES;
const CLOSE_GRACE_MS = 2_000;

const silent: StreamLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createEventStream(deps: EventStreamDeps): EventStream {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBufferedBytes = deps.maxBufferedBytes ?? 1024 * 1024;
  const batchSize = deps.batchSize ?? 500;
  const logger = deps.logger ?? silent;
  if (maxBufferedBytes < 4 * FINAL_FRAMES_RESERVE)
    throw new Error(`maxBufferedBytes must be at least ${4 * FINAL_FRAMES_RESERVE}`);
  const tail = new EventTail(deps.events, batchSize, logger, deps.coalesceMs ?? 10);
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
  const sessions = new Set<ClientSession>();
  const replays = new Set<Promise<void>>();
  const servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  let maxBufferedBytesSeen = 0;
  let closed = false;

  const admission = new StreamAdmission({
    authenticate: deps.authenticate,
    allowedOrigins: deps.allowedOrigins ?? [],
    maxConnectionsPerIp: deps.maxConnectionsPerIp ?? 50,
    maxConnectionsPerPrincipal: deps.maxConnectionsPerPrincipal ?? 20,
    shuttingDown: () => closed,
    logger,
  });
  const sessionContext: SessionContext = {
    events: deps.events,
    tail,
    batchSize,
    maxBufferedBytes,
    messagesPerMinute: deps.messagesPerMinute ?? 120,
    logger,
    verify: (token) => admission.verify(token),
    shuttingDown: () => closed,
    noteBuffered: (bufferedAmount) => {
      maxBufferedBytesSeen = Math.max(maxBufferedBytesSeen, bufferedAmount);
    },
    trackReplay: (replay) => {
      const tracked = replay.finally(() => replays.delete(tracked));
      replays.add(tracked);
    },
    forget: (session) => sessions.delete(session),
  };

  const unsubscribe = deps.notifier.subscribe(() => tail.wake());
  const poll = setInterval(() => tail.wake(), deps.pollIntervalMs ?? 5_000);
  poll.unref();
  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, heartbeatMs);
  heartbeat.unref();
  // Learn where the log ends now, so the first subscriber does not wait for it.
  tail.wake();

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const admitted = admission.admit(req, socket);
    if (!admitted) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closed) return ws.close(STREAM_CLOSE_CODES.GOING_AWAY, 'server shutting down');
      sessions.add(new ClientSession(ws, socket, admitted.grant, admitted.address, sessionContext));
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
      const sockets = [...sessions].map((s) => s.socket);
      for (const session of sessions) session.end(STREAM_CLOSE_CODES.GOING_AWAY, 'server shutting down');
      await Promise.all([
        tail.stop(),
        Promise.allSettled([...replays]),
        ...sockets.map((socket) => closedOrTerminated(socket, CLOSE_GRACE_MS)),
      ]);
      wss.close();
    },

    clientCount: () => sessions.size,

    stats: () => ({ clients: sessions.size, maxBufferedBytesSeen }),
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
