import { z } from './zod-openapi';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_REASON_MAX_LENGTH,
  NOTIFICATION_STATUSES,
  NOTIFICATION_TYPES,
} from '../domain/notification.aggregate';
import { ATTEMPT_ERROR_MAX_LENGTH, ATTEMPT_EXCERPT_MAX_LENGTH } from '../domain/notification-attempt';
import { dateTime, ID_COLUMN_MAX_LENGTH, int32, nextCursor, pageOf, uuid } from './common.schemas';
import { pageQuery } from './pagination';

export const notificationIdParam = z.object({ id: uuid('must be a UUID') });
export const partnerIdParam = z.object({ id: uuid('must be a UUID') });

export const listNotificationsQuery = z.object({
  partnerId: uuid().optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  type: z.enum(NOTIFICATION_TYPES).optional(),
  ...pageQuery,
});

export const notificationStatsQuery = z.object({ partnerId: uuid().optional() });

/** Types left out follow the defaults; `[]` mutes a type (refused for the unmutable ones). */
export const notificationPreferencesBody = z
  .object({
    preferences: z.partialRecord(z.enum(NOTIFICATION_TYPES), z.array(z.enum(NOTIFICATION_CHANNELS)).max(3)),
  })
  .strict();

export const attemptsQuery = z.object({ ...pageQuery });

export const bulkRedeliverBody = z
  .object({
    /** Omitted: every partner's (operators); a partner key always means its own. */
    partnerId: uuid('must be a UUID').optional(),
    /** Notifications that FAILED at or after this time. */
    failedSince: dateTime('must be an ISO-8601 date-time'),
  })
  .strict();

/** A position in an append-only log as the API hands it out: a bigint, as a decimal string. */
const logId = () =>
  z
    .string()
    .regex(/^[1-9]\d{0,18}$/)
    .openapi({ maxLength: 19 });
const channels = () => z.array(z.enum(NOTIFICATION_CHANNELS)).max(NOTIFICATION_CHANNELS.length);

/**
 * A notification as listed. Subject and body are rendered from templates with the partner's name
 * (200), amounts and a payment's reason (1,000): well within their bounds.
 */
export const notificationResponse = z
  .object({
    id: uuid(),
    partnerId: z.string().max(ID_COLUMN_MAX_LENGTH),
    paymentId: z.string().max(ID_COLUMN_MAX_LENGTH).nullable(),
    sourceEventId: z.string().max(200),
    channel: z.enum(NOTIFICATION_CHANNELS),
    type: z.enum(NOTIFICATION_TYPES),
    subject: z.string().max(500),
    body: z.string().max(4000),
    facts: z.record(z.string(), z.unknown()).openapi({ description: 'what the notice was rendered from' }),
    status: z.enum(NOTIFICATION_STATUSES),
    reason: z.string().max(NOTIFICATION_REASON_MAX_LENGTH).nullable(),
    attempts: int32(),
    lastError: z.string().max(NOTIFICATION_REASON_MAX_LENGTH).nullable(),
    resends: int32(),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    sentAt: dateTime().nullable(),
    failedAt: dateTime().nullable(),
    version: int32(),
  })
  .openapi('Notification');

export const notificationPage = pageOf(notificationResponse, 'NotificationPage');

export const deliveryAttempt = z
  .object({
    id: logId(),
    notificationId: uuid(),
    partnerId: z.string().max(ID_COLUMN_MAX_LENGTH),
    channel: z.enum(NOTIFICATION_CHANNELS),
    deliveryKey: z.string().max(100).openapi({ description: '`<notification id>:<resends>`' }),
    startedAt: dateTime(),
    durationMs: int32(),
    outcome: z.enum(['SUCCEEDED', 'FAILED']),
    httpStatus: int32(100, 599).nullable(),
    responseExcerpt: z.string().max(ATTEMPT_EXCERPT_MAX_LENGTH).nullable(),
    error: z.string().max(ATTEMPT_ERROR_MAX_LENGTH).nullable(),
  })
  .openapi('DeliveryAttempt');

export const attemptsPage = z
  .object({
    notificationId: uuid(),
    items: z.array(deliveryAttempt).max(200),
    nextCursor: nextCursor(),
  })
  .openapi('DeliveryAttemptPage');

export const notificationPreferencesView = z
  .object({
    partnerId: uuid(),
    preferences: z
      .partialRecord(z.enum(NOTIFICATION_TYPES), channels())
      .openapi({ description: 'what the partner gets, per type' }),
    overrides: z
      .partialRecord(z.enum(NOTIFICATION_TYPES), channels())
      .openapi({ description: 'what the partner chose; every other type follows the defaults' }),
    unmutableTypes: z.array(z.enum(NOTIFICATION_TYPES)).max(NOTIFICATION_TYPES.length),
  })
  .openapi('NotificationPreferences');
