import { z } from './zod-openapi';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_STATUSES,
  NOTIFICATION_TYPES,
} from '../domain/notification.aggregate';
import { dateTime, uuid } from './common.schemas';
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
