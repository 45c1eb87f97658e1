import { Router } from 'express';
import { isDomainError } from '../domain/domain-error';
import { assertNotificationResendable } from '../domain/notification.aggregate';
import type { PartnerNotificationSettings } from '../domain/notification.repository.port';
import {
  NotificationPreferences,
  UNMUTABLE_NOTIFICATION_TYPES,
} from '../domain/notification-preferences.value-object';
import type {
  NotificationListFilter,
  NotificationRecord,
  NotificationStats,
  NotificationView,
} from '../infra/db/notification.queries';
import { decodeCursor, page } from './pagination';
import { ProblemError } from './problem';
import {
  listNotificationsQuery,
  notificationIdParam,
  notificationPreferencesBody,
  notificationStatsQuery,
  partnerIdParam,
} from './notification.schemas';

export interface NotificationReads {
  getById(id: string): Promise<NotificationView | undefined>;
  list(filter: NotificationListFilter): Promise<NotificationRecord[]>;
  stats(filter: { partnerId?: string }): Promise<NotificationStats>;
}

export interface PartnerNotificationSettingsStore {
  find(partnerId: string): Promise<PartnerNotificationSettings | undefined>;
  savePreferences(partnerId: string, preferences: NotificationPreferences): Promise<boolean>;
  rotateWebhookSecret(partnerId: string, secret: string): Promise<boolean>;
}

/** Reaches the partner's notification workflow; implemented over Temporal in infra. */
export interface NotificationCommands {
  resend(request: { notificationId: string; partnerId: string; requestId: string }): Promise<void>;
}

export interface NotificationRoutesDeps {
  notifications: NotificationReads;
  settings: PartnerNotificationSettingsStore;
  commands: NotificationCommands;
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

/** Notification records, operator resend, partner preferences and webhook secrets. No auth here: the API adds it. */
export function notificationRoutes(deps: NotificationRoutesDeps): Router {
  const router = Router();
  const newId = deps.newId ?? (() => globalThis.crypto.randomUUID());

  const load = async (id: string): Promise<NotificationView> => {
    const view = await deps.notifications.getById(id);
    if (!view) throw new ProblemError(404, 'Notification not found', `no notification with id ${id}`);
    return view;
  };

  router.get('/notifications', async (req, res) => {
    const q = listNotificationsQuery.parse(req.query);
    const rows = await deps.notifications.list({ ...q, limit: q.limit + 1, after: decodeCursor(q.cursor) });
    res.json(page(rows, q.limit));
  });

  router.get('/notifications/:id', async (req, res) => {
    const { id } = notificationIdParam.parse(req.params);
    const { events, ...record } = await load(id);
    res.json({
      ...record,
      events: events.map((e) => ({
        position: e.position,
        id: e.id,
        type: e.type,
        occurredAt: e.occurredAt,
        data: e.data,
      })),
    });
  });

  router.post('/notifications/:id/resend', async (req, res) => {
    const { id } = notificationIdParam.parse(req.params);
    const { events: _events, ...record } = await load(id);
    assertNotificationResendable(record.id, record.status);
    await deps.commands.resend({
      notificationId: record.id,
      partnerId: record.partnerId,
      requestId: newId(),
    });
    // Accepted: the partner's workflow requeues and delivers it; GET shows the outcome.
    res
      .status(202)
      .location(`/notifications/${record.id}`)
      .json({ ...record, resendRequested: true });
  });

  router.get('/partners/:id/notification-preferences', async (req, res) => {
    const { id } = partnerIdParam.parse(req.params);
    const settings = await deps.settings.find(id);
    if (!settings) throw partnerNotFound(id);
    res.json(preferencesView(id, settings.preferences));
  });

  router.put('/partners/:id/notification-preferences', async (req, res) => {
    const { id } = partnerIdParam.parse(req.params);
    const body = notificationPreferencesBody.parse(req.body);
    let preferences: NotificationPreferences;
    try {
      preferences = NotificationPreferences.create(body.preferences);
    } catch (e) {
      // The request can never succeed as sent: a 422 naming the field, not a state conflict.
      if (!isDomainError(e)) throw e;
      const field = typeof e.details?.type === 'string' ? `preferences.${e.details.type}` : 'preferences';
      throw new ProblemError(422, 'Invalid notification preferences', `${field}: ${e.message}`, {
        code: e.code,
        errors: [{ field, message: e.message }],
      });
    }
    if (!(await deps.settings.savePreferences(id, preferences))) throw partnerNotFound(id);
    res.json(preferencesView(id, preferences));
  });

  router.post('/partners/:id/webhook-secret', async (req, res) => {
    const { id } = partnerIdParam.parse(req.params);
    const secret = deps.newSecret();
    if (!(await deps.settings.rotateWebhookSecret(id, secret))) throw partnerNotFound(id);
    // Shown once: it is never returned again, so nothing may cache this answer.
    res.set('Cache-Control', 'no-store').json({ secret });
  });

  router.get('/notificaciones/stats', async (req, res) => {
    const q = notificationStatsQuery.parse(req.query);
    res.json(await deps.notifications.stats(q));
  });

  return router;
}
