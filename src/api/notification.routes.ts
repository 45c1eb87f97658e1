import { isDomainError } from '../domain/domain-error';
import type { NotificationAttemptRecord } from '../domain/notification-attempt';
import { assertNotificationResendable } from '../domain/notification.aggregate';
import {
  NotificationPreferences,
  UNMUTABLE_NOTIFICATION_TYPES,
} from '../domain/notification-preferences.value-object';
import type {
  NotificationReads,
  NotificationView,
  PartnerNotificationSettingsStore,
  PartnerNotifier,
} from '../ports/notification.port';
import type { Principal } from '../ports/principal';
import { presentEvent } from './event-view';
import { decodeCursor, decodePositionCursor, encodePositionCursor, page } from './pagination';
import { assertPartnerScope } from './partner.routes';
import type { RouteTable } from './route-kit';
import { ProblemError } from '../shared/http/problem';
import { noteAudit } from './audit';
import {
  attemptsPage,
  attemptsQuery,
  bulkRedeliverBody,
  listNotificationsQuery,
  notificationIdParam,
  notificationPage,
  notificationPreferencesBody,
  notificationPreferencesView,
  notificationStatsQuery,
  partnerIdParam,
} from './notification.schemas';

/** The delivery log and what bulk redelivery looks for (NotificationAttemptQueries in infra). */
export interface NotificationDeliveryLog {
  attempts(
    notificationId: string,
    opts: { limit: number; afterId?: string },
  ): Promise<NotificationAttemptRecord[]>;
  failedSince(filter: {
    partnerId?: string;
    failedSince: string;
    limit: number;
  }): Promise<Array<{ id: string; partnerId: string }>>;
}

export interface NotificationRoutesDeps {
  notifications: NotificationReads;
  deliveries: NotificationDeliveryLog;
  settings: PartnerNotificationSettingsStore;
  commands: Pick<PartnerNotifier, 'resend'>;
  newSecret: () => string;
  newId?: () => string;
}

/** At most this many notifications per bulk redelivery call; the answer says when more are left. */
export const BULK_REDELIVERY_MAX = 500;

const partnerNotFound = (id: string): ProblemError =>
  new ProblemError(404, 'Partner not found', `no partner with id ${id}`);

const preferencesView = (partnerId: string, preferences: NotificationPreferences) => ({
  partnerId,
  /** What the partner gets, per type. */
  preferences: preferences.effective(),
  /** What the partner chose; every other type follows the defaults. */
  overrides: preferences.toStored(),
  unmutableTypes: UNMUTABLE_NOTIFICATION_TYPES,
});

/** A refusal names the type it concerns, so the client can point at the field. */
function validPreferences(
  raw: Parameters<typeof NotificationPreferences.create>[0],
): NotificationPreferences {
  try {
    return NotificationPreferences.create(raw);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    const field = typeof e.details?.type === 'string' ? `preferences.${e.details.type}` : 'preferences';
    throw new ProblemError(422, 'Invalid notification preferences', `${field}: ${e.message}`, {
      code: e.code,
      errors: [{ field, message: e.message }],
    });
  }
}

/** A partner key sees its own notifications only; others look like they do not exist. */
const scopeOf = (principal: Principal | undefined, requested: string | undefined): string | undefined => {
  if (principal?.role !== 'partner') return requested;
  if (requested && requested !== principal.partnerId) {
    throw new ProblemError(403, 'Forbidden', 'a partner key may only list its own notifications');
  }
  return principal.partnerId;
};

/** Notification records, operator resend, partner preferences and webhook secrets. */
export function notificationRoutes(routes: RouteTable, deps: NotificationRoutesDeps): void {
  const newId = deps.newId ?? (() => globalThis.crypto.randomUUID());

  const load = async (id: string, principal: Principal | undefined): Promise<NotificationView> => {
    const view = await deps.notifications.getById(id);
    if (!view || (principal?.role === 'partner' && view.partnerId !== principal.partnerId)) {
      throw new ProblemError(404, 'Notification not found', `no notification with id ${id}`);
    }
    return view;
  };

  routes.add({
    method: 'get',
    path: '/notifications',
    summary: 'List notifications',
    tag: 'Notifications',
    roles: ['operator', 'viewer', 'partner'],
    query: listNotificationsQuery,
    responses: { 200: { description: 'A page of notifications, newest first', schema: notificationPage } },
    handler: async ({ query, principal, res }) => {
      const partnerId = scopeOf(principal, query.partnerId);
      const rows = await deps.notifications.list({
        ...query,
        partnerId,
        limit: query.limit + 1,
        after: decodeCursor(query.cursor),
      });
      res.json(page(rows, query.limit));
    },
  });

  routes.add({
    method: 'get',
    path: '/notifications/:id',
    summary: 'Read a notification with its delivery history',
    tag: 'Notifications',
    roles: ['operator', 'viewer', 'partner'],
    params: notificationIdParam,
    responses: { 200: { description: 'The notification' } },
    handler: async ({ params, principal, res }) => {
      const { events, ...record } = await load(params.id, principal);
      res.json({
        ...record,
        events: events.map(presentEvent),
      });
    },
  });

  /**
   * Resend and redeliver are one thing: the notification goes back to PENDING as a new delivery
   * of the same notification (same id, so the same webhook-id and body `id`), through the
   * partner's workflow like every delivery.
   */
  const redeliver = async (record: { id: string; partnerId: string; status: NotificationView['status'] }) => {
    assertNotificationResendable(record.id, record.status);
    await deps.commands.resend({
      notificationId: record.id,
      partnerId: record.partnerId,
      requestId: newId(),
    });
  };

  for (const [path, summary, roles] of [
    ['/notifications/:id/resend', 'Resend a notification', ['operator']],
    ['/notifications/:id/redeliver', 'Redeliver a notification (same event id)', ['operator', 'partner']],
  ] as const) {
    routes.add({
      method: 'post',
      path,
      summary,
      tag: 'Notifications',
      roles,
      audit: { action: 'notification.redeliver' },
      params: notificationIdParam,
      responses: {
        202: {
          description:
            'Requeued: the partner’s workflow delivers it again, with the same event id (`webhook-id`); 409 NOTIFICATION.NOT_RESENDABLE while a delivery is under way',
          headers: { Location: 'the notification' },
        },
      },
      handler: async ({ params, principal, res }) => {
        const { events: _events, ...record } = await load(params.id, principal);
        await redeliver(record);
        res
          .status(202)
          .location(`/notifications/${record.id}`)
          .json({ ...record, resendRequested: true });
      },
    });
  }

  routes.add({
    method: 'post',
    path: '/notifications/redeliver',
    summary: 'Redeliver every notification that failed since a time (optionally one partner’s)',
    tag: 'Notifications',
    roles: ['operator', 'partner'],
    audit: { action: 'notification.redeliver-bulk', targetType: 'partner' },
    body: bulkRedeliverBody,
    responses: {
      202: {
        description: `Requeued, oldest failure first, at most ${BULK_REDELIVERY_MAX} per call (\`truncated\`: call again for the rest)`,
      },
    },
    handler: async ({ body, principal, res }) => {
      const partnerId = scopeOf(principal, body.partnerId);
      noteAudit(res, { targetId: partnerId ?? null });
      const failed = await deps.deliveries.failedSince({
        partnerId,
        failedSince: body.failedSince,
        limit: BULK_REDELIVERY_MAX + 1,
      });
      const batch = failed.slice(0, BULK_REDELIVERY_MAX);
      for (const n of batch) await redeliver({ id: n.id, partnerId: n.partnerId, status: 'FAILED' });
      res.status(202).json({
        requested: batch.length,
        notificationIds: batch.map((n) => n.id),
        truncated: failed.length > BULK_REDELIVERY_MAX,
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/notifications/:id/attempts',
    summary: 'A notification’s delivery attempts (time, HTTP status, latency, response excerpt, error)',
    tag: 'Notifications',
    roles: ['operator', 'viewer', 'partner'],
    params: notificationIdParam,
    query: attemptsQuery,
    responses: {
      200: { description: 'Attempts oldest first, every delivery and redelivery', schema: attemptsPage },
    },
    handler: async ({ params, query, principal, res }) => {
      await load(params.id, principal);
      const rows = await deps.deliveries.attempts(params.id, {
        limit: query.limit + 1,
        afterId: decodePositionCursor(query.cursor),
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      res.json({
        notificationId: params.id,
        items,
        nextCursor: rows.length > query.limit && last ? encodePositionCursor(last.id) : null,
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id/notification-preferences',
    summary: 'Read a partner’s notification preferences',
    tag: 'Notifications',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: {
      200: {
        description: 'Effective preferences per type, the overrides, and the unmutable types',
        schema: notificationPreferencesView,
      },
    },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const settings = await deps.settings.find(params.id);
      if (!settings) throw partnerNotFound(params.id);
      res.json(preferencesView(params.id, settings.preferences));
    },
  });

  routes.add({
    method: 'put',
    path: '/partners/:id/notification-preferences',
    summary: 'Change a partner’s notification preferences',
    tag: 'Notifications',
    // The partner portal: a partner key changes its own (assertPartnerScope), nobody else's.
    roles: ['partner'],
    audit: { action: 'partner.notification-preferences.update', targetType: 'partner' },
    params: partnerIdParam,
    body: notificationPreferencesBody,
    responses: { 200: { description: 'The preferences now in force', schema: notificationPreferencesView } },
    handler: async ({ params, body, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const preferences = validPreferences(body.preferences);
      if (!(await deps.settings.savePreferences(params.id, preferences))) throw partnerNotFound(params.id);
      res.json(preferencesView(params.id, preferences));
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/webhook-secret',
    summary: 'Rotate a partner’s webhook signing secret (shown once)',
    tag: 'Notifications',
    // The partner portal: a partner key rotates its own secret (assertPartnerScope).
    roles: ['partner'],
    // Never the secret: the entry says it was rotated, by whom.
    audit: { action: 'partner.webhook-secret.rotate', targetType: 'partner' },
    params: partnerIdParam,
    responses: {
      200: {
        description:
          '`{ secret }`, never shown again. Stored encrypted; the previous secret keeps signing (a second `v1=`) for WEBHOOK_SECRET_OVERLAP',
      },
    },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      // The new secret: it signs first from now on; the one it replaces signs too until the overlap ends.
      const secret = deps.newSecret();
      if (!(await deps.settings.rotateWebhookSecret(params.id, secret))) throw partnerNotFound(params.id);
      // Shown once: it is never returned again, so nothing may cache this answer.
      res.set('Cache-Control', 'no-store').json({ secret });
    },
  });

  routes.add({
    method: 'get',
    path: '/notificaciones/stats',
    summary: 'Notification counts by status and channel (original contract)',
    tag: 'Notifications',
    roles: ['operator', 'viewer'],
    query: notificationStatsQuery,
    responses: { 200: { description: 'Counts by status and by channel' } },
    handler: async ({ query, res }) => void res.json(await deps.notifications.stats(query)),
  });
}
