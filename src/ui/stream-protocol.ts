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
export type ClientMessage = SubscribeMessage;

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
  /** For `SLOW_CONSUMER`: resubscribe with `since` = this position. */
  resumeFrom?: number;
}
export type ServerMessage = EventMessage | ReadyMessage | ErrorMessage;

export const STREAM_ERROR_CODES = {
  MALFORMED: 'MALFORMED_MESSAGE',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN_FILTER: 'FORBIDDEN_FILTER',
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  INTERNAL: 'INTERNAL',
} as const;
