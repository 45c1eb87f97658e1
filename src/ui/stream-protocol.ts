/**
 * The live event stream's wire protocol (`ws://HOST:5678/ws?token=…`), shared by the UI server and
 * every client (the dashboard imports these types). JSON text frames, one message per frame.
 */

/** One entry of the event log as streamed. `position` is the log's commit order, gap-free. */
export interface StreamEvent {
  id: string;
  type: string;
  occurredAt: string;
  aggregate: { type: string; id: string };
  partnerId: string | null;
  data: Record<string, unknown>;
  workflowId: string | null;
  runId: string | null;
}

export interface StreamFilter {
  partnerId?: string;
  paymentId?: string;
}

/** Client → server. `since` is the last position the client has seen (0 = from the beginning). */
export interface SubscribeMessage {
  type: 'subscribe';
  since?: number;
  filter?: StreamFilter;
}
/**
 * Client → server: extends the session to the expiry of a fresh token (`POST /auth/ws-token`); send
 * it before the current one expires (the API's `expiresAt`), or the socket is closed with
 * `TOKEN_EXPIRED` (4401). No answer when accepted; an invalid or expired token gets `UNAUTHORIZED`
 * (the session keeps its expiry); a token for another principal gets `PRINCIPAL_CHANGED`, close 4403.
 */
export interface AuthenticateMessage {
  type: 'authenticate';
  token: string;
}
export type ClientMessage = SubscribeMessage | AuthenticateMessage;

export interface EventMessage {
  type: 'event';
  position: number;
  event: StreamEvent;
}
/** Sent once after the replay of everything after `since`; live events follow. */
export interface ReadyMessage {
  type: 'ready';
  position: number;
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  /** For `SLOW_CONSUMER` and `TOKEN_EXPIRED`: resubscribe with `since` = this position. */
  resumeFrom?: number;
}
export type ServerMessage = EventMessage | ReadyMessage | ErrorMessage;

export const STREAM_ERROR_CODES = {
  /** Not a valid client message; the socket stays open. */
  MALFORMED: 'MALFORMED_MESSAGE',
  /** An `authenticate` token that is invalid or expired; the session keeps its current expiry. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN_FILTER: 'FORBIDDEN_FILTER',
  /** Then close 4408. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** More client messages (pings and unsolicited pongs included) than allowed; then close 1008. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The session's token expired without an `authenticate`; then close 4401. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** An `authenticate` token for another principal; then close 4403. */
  PRINCIPAL_CHANGED: 'PRINCIPAL_CHANGED',
  INTERNAL: 'INTERNAL',
} as const;

/**
 * Close codes the server uses. Every one but 1001 comes right after an `error` frame saying why
 * (unless the client's buffer is too full to take even that).
 */
export const STREAM_CLOSE_CODES = {
  /** The UI server is shutting down: reconnect (to another instance) and resume. */
  GOING_AWAY: 1001,
  /** `RATE_LIMITED`: the client sent too many messages. */
  POLICY_VIOLATION: 1008,
  /** A frame over 1 MiB (closed by the websocket layer, no error frame). */
  MESSAGE_TOO_BIG: 1009,
  /** `INTERNAL`: the log could not be read; reconnect and resume. */
  INTERNAL_ERROR: 1011,
  /** `TOKEN_EXPIRED`: reconnect with a fresh token (or re-authenticate earlier next time). */
  TOKEN_EXPIRED: 4401,
  /** `PRINCIPAL_CHANGED`: a socket belongs to one principal for its whole life. */
  PRINCIPAL_CHANGED: 4403,
  /** `SLOW_CONSUMER`: reconnect and subscribe with `since = resumeFrom`. */
  SLOW_CONSUMER: 4408,
} as const;

/**
 * HTTP statuses of a refused upgrade (problem+json bodies; no websocket is opened):
 * 401 missing/invalid/expired token; 403 an `Origin` header not on the allow-list (`CORS_ORIGINS`);
 * 404 not `/ws`; 429 too many open streams for this principal or client address; 503 shutting down.
 */
export const STREAM_UPGRADE_STATUS = {
  UNAUTHORIZED: 401,
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  TOO_MANY_CONNECTIONS: 429,
  UNAVAILABLE: 503,
} as const;
