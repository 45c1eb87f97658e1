import { z } from 'zod';
import { duration, flag, optionalString } from '../../shared/env-parsers';
import type { PartnerNotificationsSettings } from '../../ports/notification.port';

/**
 * The notification service's settings: a zod fragment of environment variables meant to be
 * spread into config.ts's schema, and the typed result (`AppConfig.notifications`).
 */

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const notificationEnvSchema = z.object({
  /** nodemailer's URL form, e.g. `smtp://user:pass@host:587` or `smtps://host:465`; unset → local outbox. */
  SMTP_URL: optionalString,
  SMTP_FROM: z.string().trim().min(3).default('Alpes Partners <notifications@alpes-partners.dev>'),
  SMTP_TIMEOUT: duration('15s'),
  /** Lets webhooks reach loopback, private and link-local addresses (tests, local receivers). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: flag,
  /** Lets webhooks go to plain `http://` URLs; otherwise `https://` only (tests, local receivers). */
  WEBHOOK_ALLOW_HTTP: flag,
  /**
   * After `POST /partners/:id/webhook-secret`, the previous secret still signs deliveries (a second
   * `v1=` in the signature header) for this long, so the partner can switch without losing any.
   */
  WEBHOOK_SECRET_OVERLAP: duration('24h'),
  /**
   * Also sign with the deprecated `X-Alpes-Event-Id` / `X-Alpes-Signature` headers besides the
   * Standard Webhooks ones; on during the deprecation period, then `false`, then removed.
   */
  WEBHOOK_LEGACY_SIGNATURE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('true')
    .transform((v) => v !== 'false' && v !== '0'),
  WEBHOOK_TIMEOUT: duration('10s'),
  NOTIFICATIONS_TASK_QUEUE: z.string().min(1).default('notifications'),
  /**
   * A partner's workflow continues as new after this many handled messages (about 25 history
   * events each); the server's own suggestion may come first.
   */
  NOTIFICATIONS_CONTINUE_AS_NEW_AFTER: count(200, 10_000),
  NOTIFICATIONS_MAX_CONCURRENT_DELIVERIES: count(100, 1_000),
  NOTIFICATION_RETRY_INITIAL_INTERVAL: duration('1s'),
  NOTIFICATION_RETRY_MAX_INTERVAL: duration('5m'),
  NOTIFICATION_EMAIL_MAX_ATTEMPTS: count(10, 1_000),
  /**
   * How often the API sweeps the partner-notice outbox for notices not signalled right after their
   * commit (Temporal was unreachable, or a process died in between).
   */
  NOTICE_RELAY_INTERVAL: duration('5s'),
  NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: count(12, 1_000),
});

export type NotificationEnv = z.output<typeof notificationEnvSchema>;

export interface NotificationConfig {
  taskQueue: string;
  email: {
    smtpUrl: string | undefined;
    from: string;
    /** Where messages are written as `.eml` files when no SMTP server is configured. */
    outboxDir: string;
    timeoutMs: number;
  };
  webhook: {
    allowPrivateTargets: boolean;
    allowHttp: boolean;
    timeoutMs: number;
    /** How long a rotated-out secret keeps signing deliveries (0: not at all). */
    secretOverlapMs: number;
    /** The deprecated X-Alpes-* headers go too (Standard Webhooks headers always do). */
    legacySignature: boolean;
  };
  /** Handed to every partner's notification workflow as its input. */
  workflow: PartnerNotificationsSettings;
  /** The API's outbox relay of partner notices (payout-account changes). */
  relay: { intervalMs: number };
  /** A prebuilt bundle of the notification workflows (images); unset → bundled from source. */
  workflowBundlePath?: string;
}

/** A database write; attempts only run out when the database stays down for minutes. */
const IN_APP_MAX_ATTEMPTS = 20;
/** Time for the record activities (database only). */
const RECORD_START_TO_CLOSE_MS = 30_000;

export function toNotificationConfig(e: NotificationEnv, dataDir: string): NotificationConfig {
  const backoff = {
    initialIntervalMs: e.NOTIFICATION_RETRY_INITIAL_INTERVAL,
    maxIntervalMs: Math.max(e.NOTIFICATION_RETRY_MAX_INTERVAL, e.NOTIFICATION_RETRY_INITIAL_INTERVAL),
  };
  // An attempt may take the whole transport timeout, plus time to record its outcome.
  const attemptMs = (transportMs: number): number => transportMs + 15_000;
  return {
    taskQueue: e.NOTIFICATIONS_TASK_QUEUE,
    relay: { intervalMs: e.NOTICE_RELAY_INTERVAL },
    email: {
      smtpUrl: e.SMTP_URL,
      from: e.SMTP_FROM,
      outboxDir: `${dataDir}/outbox`,
      timeoutMs: e.SMTP_TIMEOUT,
    },
    webhook: {
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      allowHttp: e.WEBHOOK_ALLOW_HTTP,
      timeoutMs: e.WEBHOOK_TIMEOUT,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
      legacySignature: e.WEBHOOK_LEGACY_SIGNATURE,
    },
    workflow: {
      continueAsNewAfterEvents: e.NOTIFICATIONS_CONTINUE_AS_NEW_AFTER,
      maxConcurrentDeliveries: e.NOTIFICATIONS_MAX_CONCURRENT_DELIVERIES,
      record: { startToCloseMs: RECORD_START_TO_CLOSE_MS, ...backoff },
      channels: {
        EMAIL: {
          startToCloseMs: attemptMs(e.SMTP_TIMEOUT),
          maximumAttempts: e.NOTIFICATION_EMAIL_MAX_ATTEMPTS,
          ...backoff,
        },
        WEBHOOK: {
          startToCloseMs: attemptMs(e.WEBHOOK_TIMEOUT),
          maximumAttempts: e.NOTIFICATION_WEBHOOK_MAX_ATTEMPTS,
          ...backoff,
        },
        IN_APP: {
          startToCloseMs: RECORD_START_TO_CLOSE_MS,
          maximumAttempts: IN_APP_MAX_ATTEMPTS,
          ...backoff,
        },
      },
    },
  };
}

export class NotificationConfigError extends Error {}

/** Parses the notification variables from an explicit environment (tests, and config.ts once merged). */
export function parseNotificationConfig(
  env: Record<string, string | undefined>,
  dataDir: string,
): NotificationConfig {
  const parsed = notificationEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new NotificationConfigError(`invalid notification configuration:\n${lines}`);
  }
  return toNotificationConfig(parsed.data, dataDir);
}
