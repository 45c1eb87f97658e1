import { isDomainError } from '../domain/domain-error';
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
import { decodeCursor, page } from './pagination';
import { assertPartnerScope } from './partner.routes';
import type { RouteTable } from './route-kit';
import { ProblemError } from '../shared/http/problem';
import {
  listNotificationsQuery,
  notificationIdParam,
  notificationPreferencesBody,
  notificationStatsQuery,
  partnerIdParam,
} from './notification.schemas';

export interface NotificationRoutesDeps {
  notifications: NotificationReads;
  settings: PartnerNotificationSettingsStore;
  commands: Pick<PartnerNotifier, 'resend'>;
  newSecret: () => string;
  newId?: () => string;
}

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
    responses: { 200: { description: 'A page of notifications, newest first' } },
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

  routes.add({
    method: 'post',
    path: '/notifications/:id/resend',
    summary: 'Resend a notification',
    tag: 'Notifications',
    roles: ['operator'],
    params: notificationIdParam,
    responses: {
      202: {
        description: 'Requeued: the partner’s workflow delivers it again',
        headers: { Location: 'the notification' },
      },
    },
    handler: async ({ params, principal, res }) => {
      const { events: _events, ...record } = await load(params.id, principal);
      assertNotificationResendable(record.id, record.status);
      await deps.commands.resend({
        notificationId: record.id,
        partnerId: record.partnerId,
        requestId: newId(),
      });
      res
        .status(202)
        .location(`/notifications/${record.id}`)
        .json({ ...record, resendRequested: true });
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
      200: { description: 'Effective preferences per type, the overrides, and the unmutable types' },
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
    roles: ['admin'],
    params: partnerIdParam,
    body: notificationPreferencesBody,
    responses: { 200: { description: 'The preferences now in force' } },
    handler: async ({ params, body, res }) => {
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
    roles: ['admin'],
    params: partnerIdParam,
    responses: {
      200: {
        description:
          '`{ secret }`, never shown again. Stored encrypted; the previous secret keeps signing (a second `v1=`) for WEBHOOK_SECRET_OVERLAP',
      },
    },
    handler: async ({ params, res }) => {
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
