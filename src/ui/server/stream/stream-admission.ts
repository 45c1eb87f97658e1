import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';
import type { Principal } from '../../../ports/principal';
import type { Logger } from '../../../shared/logger';
import { STREAM_UPGRADE_STATUS } from '../../stream-protocol';
import { boundedReason } from './client-message.schema';

/**
 * Admission to the live event stream: who may open a socket at all. It happens before the upgrade,
 * in this order, each refusal a plain HTTP answer (no websocket is opened, so a refused client holds
 * no server resources): the path must be `/ws` (404) and the stream not shutting down (503); a
 * browser's `Origin` must be on the allow-list (403; a request without `Origin` is not a browser's
 * and may pass — it still needs a token, which is what protects the stream); `?token=` goes through
 * `authenticate`, and a missing, invalid or expired token (or a `partner` token bound to no partner)
 * gets 401; then at most `maxConnectionsPerIp` open sockets per client address and
 * `maxConnectionsPerPrincipal` per principal (429).
 */

export const STREAM_PATH = '/ws';

/** Who a stream token names, and until when (epoch ms) it is good. */
export interface StreamGrant {
  principal: Principal;
  expiresAt: number;
}

export type AdmissionLogger = Pick<Logger, 'debug' | 'warn' | 'error'>;

export interface StreamAdmissionOptions {
  /** Verifies a stream token; `undefined` for a missing, invalid or expired one. */
  authenticate: (token: string | null) => StreamGrant | undefined;
  /** Browser origins allowed to open the stream; ones that do not parse as an origin are ignored. */
  allowedOrigins: readonly string[];
  maxConnectionsPerIp: number;
  maxConnectionsPerPrincipal: number;
  /** True once the stream is closing: every upgrade from then on gets 503. */
  shuttingDown: () => boolean;
  logger: AdmissionLogger;
}

/** An upgrade that passed: whose it is and the client address it is counted under. */
export interface AdmittedUpgrade {
  grant: StreamGrant;
  address: string;
}

export class StreamAdmission {
  private readonly allowedOrigins: ReadonlySet<string>;
  /** Admitted connections whose TCP connection is still open, by principal name and by client address. */
  private readonly openPerPrincipal = new Map<string, number>();
  private readonly openPerAddress = new Map<string, number>();

  constructor(private readonly options: StreamAdmissionOptions) {
    this.allowedOrigins = new Set(
      options.allowedOrigins.map(normaliseOrigin).filter((o): o is string => o !== undefined),
    );
  }

  /**
   * The token's grant, or undefined for a missing, invalid or expired token and for a `partner`
   * token bound to no partner. Also checks the fresh tokens of sessions already open.
   */
  verify(token: string | null): StreamGrant | undefined {
    let grant: StreamGrant | undefined;
    try {
      grant = this.options.authenticate(token);
    } catch (err) {
      // A throwing verifier must not take the process down from inside an 'upgrade' listener.
      this.options.logger.error({ err }, 'stream authentication failed');
      return undefined;
    }
    if (!grant || !(grant.expiresAt > Date.now())) return undefined;
    if (grant.principal.role === 'partner' && !grant.principal.partnerId) return undefined;
    return grant;
  }

  /**
   * Admits one upgrade request, or refuses it on `socket` and returns undefined. An admitted one
   * counts against its address and principal until its TCP connection is gone.
   */
  admit(req: IncomingMessage, socket: Duplex): AdmittedUpgrade | undefined {
    const { logger, maxConnectionsPerIp, maxConnectionsPerPrincipal } = this.options;
    socket.on('error', (err) => logger.debug({ err }, 'stream upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) return refuse(socket, STREAM_UPGRADE_STATUS.NOT_FOUND, 'Not Found');
    if (this.options.shuttingDown())
      return refuse(socket, STREAM_UPGRADE_STATUS.UNAVAILABLE, 'Service Unavailable');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(normaliseOrigin(origin) ?? '')) {
      logger.warn({ origin: boundedReason(origin) }, 'stream upgrade from a foreign origin refused');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.FORBIDDEN_ORIGIN,
        'Forbidden',
        'this origin may not open the stream (CORS_ORIGINS)',
      );
    }
    const grant = this.verify(url.searchParams.get('token'));
    if (!grant) return refuse(socket, STREAM_UPGRADE_STATUS.UNAUTHORIZED, 'Unauthorized');
    const address = clientAddress(req);
    const who = grant.principal.name;
    if ((this.openPerAddress.get(address) ?? 0) >= maxConnectionsPerIp) {
      logger.warn({ address }, 'stream connection refused: too many from this address');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.TOO_MANY_CONNECTIONS,
        'Too Many Requests',
        `at most ${maxConnectionsPerIp} open streams per client address`,
      );
    }
    if ((this.openPerPrincipal.get(who) ?? 0) >= maxConnectionsPerPrincipal) {
      logger.warn({ principal: who }, 'stream connection refused: too many for this principal');
      return refuse(
        socket,
        STREAM_UPGRADE_STATUS.TOO_MANY_CONNECTIONS,
        'Too Many Requests',
        `at most ${maxConnectionsPerPrincipal} open streams per principal`,
      );
    }
    // Counted from here until the TCP connection is gone, whether or not the handshake completes.
    increment(this.openPerAddress, address, 1);
    increment(this.openPerPrincipal, who, 1);
    socket.once('close', () => {
      increment(this.openPerAddress, address, -1);
      increment(this.openPerPrincipal, who, -1);
    });
    return { grant, address };
  }
}

/** Answers the upgrade request with a problem+json and ends the connection. */
function refuse(socket: Duplex, status: number, title: string, detail?: string): undefined {
  const body = JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return undefined;
}

function increment(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
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
