import type { NotificationChannelKind } from './notification.aggregate';

/**
 * One delivery attempt of a notification on its channel, kept for the delivery log
 * (`GET /notifications/:id/attempts`): what an operator or the partner needs to see why a webhook
 * did not arrive without reading worker logs. Attempts are facts, written once and never changed.
 */
export interface NotificationAttempt {
  notificationId: string;
  partnerId: string;
  channel: NotificationChannelKind;
  /** Which delivery it belongs to (`<id>:<resends>`): the first, or one redelivery. */
  deliveryKey: string;
  startedAt: string;
  /** How long the channel took to answer (or to fail), in milliseconds. */
  durationMs: number;
  outcome: NotificationAttemptOutcome;
  /** The receiver's HTTP status (webhooks that got an answer); null otherwise. */
  httpStatus: number | null;
  /** The start of the receiver's answer, at most ATTEMPT_EXCERPT_MAX_LENGTH characters. */
  responseExcerpt: string | null;
  /** Why it failed (partner-safe: never a resolved address); null when it succeeded. */
  error: string | null;
}

export type NotificationAttemptOutcome = 'SUCCEEDED' | 'FAILED';

/** A stored attempt with its position in the log. */
export interface NotificationAttemptRecord extends NotificationAttempt {
  id: string;
}

/**
 * Longest response excerpt kept: enough to read an error page's message, small enough that a
 * receiver answering megabytes cannot grow the table (the channel stops reading past it).
 */
export const ATTEMPT_EXCERPT_MAX_LENGTH = 1024;
/** Longest error text kept, like a notification's reason. */
export const ATTEMPT_ERROR_MAX_LENGTH = 1000;

/**
 * Bounded, and without control characters: a receiver may answer binary, and PostgreSQL text
 * refuses NUL (the attempt would fail to record, not the delivery).
 */
const clip = (text: string, max: number): string => {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
};

/** What the channel said about one attempt, bounded for storage. */
export function notificationAttempt(props: {
  notificationId: string;
  partnerId: string;
  channel: NotificationChannelKind;
  deliveryKey: string;
  startedAt: Date;
  durationMs: number;
  httpStatus?: number | null;
  responseExcerpt?: string | null;
  error?: string | null;
}): NotificationAttempt {
  const error =
    props.error === undefined || props.error === null ? null : clip(props.error, ATTEMPT_ERROR_MAX_LENGTH);
  return {
    notificationId: props.notificationId,
    partnerId: props.partnerId,
    channel: props.channel,
    deliveryKey: props.deliveryKey,
    startedAt: props.startedAt.toISOString(),
    durationMs: Math.max(0, Math.round(props.durationMs)),
    outcome: error === null ? 'SUCCEEDED' : 'FAILED',
    httpStatus:
      typeof props.httpStatus === 'number' && Number.isInteger(props.httpStatus) ? props.httpStatus : null,
    responseExcerpt:
      props.responseExcerpt === undefined || props.responseExcerpt === null
        ? null
        : clip(props.responseExcerpt, ATTEMPT_EXCERPT_MAX_LENGTH),
    error,
  };
}
