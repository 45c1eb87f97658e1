import type { Knex } from 'knex';
import {
  Notification,
  type NotificationChannelKind,
  type NotificationFacts,
  type NotificationSnapshot,
} from '../../domain/notification.aggregate';
import { NotificationPreferences } from '../../domain/notification-preferences.value-object';
import type {
  NotificationRepository,
  PartnerNotificationSettings,
  PartnerNotificationSettingsReader,
} from '../../ports/notification-repository.port';
import { WebhookSecretBox, WebhookSecretUnreadableError } from '../notifications/webhook-secret-box';
import { iso, OptimisticConcurrencyError } from './payment.repository';

export interface NotificationRow {
  id: string;
  partner_id: string;
  /** Null for notices about no payment (payout-account changes; nullable since migration 007). */
  payment_id: string | null;
  source_event_id: string;
  channel: string;
  type: string;
  subject: string;
  body: string;
  facts: NotificationFacts | string;
  status: string;
  reason: string | null;
  attempts: number;
  last_error: string | null;
  resends: number;
  last_resend_request_id: string | null;
  delivering_until: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  sent_at: Date | string | null;
  failed_at: Date | string | null;
  version: number;
}

const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : iso(v));

export function toNotificationSnapshot(r: NotificationRow): NotificationSnapshot {
  return {
    id: r.id,
    partnerId: r.partner_id,
    paymentId: r.payment_id,
    sourceEventId: r.source_event_id,
    channel: r.channel as NotificationSnapshot['channel'],
    type: r.type as NotificationSnapshot['type'],
    subject: r.subject,
    body: r.body,
    facts: typeof r.facts === 'string' ? (JSON.parse(r.facts) as NotificationFacts) : r.facts,
    status: r.status as NotificationSnapshot['status'],
    reason: r.reason,
    attempts: r.attempts,
    lastError: r.last_error,
    resends: r.resends,
    lastResendRequestId: r.last_resend_request_id,
    deliveringUntil: isoOrNull(r.delivering_until),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    sentAt: isoOrNull(r.sent_at),
    failedAt: isoOrNull(r.failed_at),
    version: r.version,
  };
}

function toRow(s: NotificationSnapshot): Omit<NotificationRow, 'facts'> & { facts: string } {
  return {
    id: s.id,
    partner_id: s.partnerId,
    payment_id: s.paymentId,
    source_event_id: s.sourceEventId,
    channel: s.channel,
    type: s.type,
    subject: s.subject,
    body: s.body,
    facts: JSON.stringify(s.facts),
    status: s.status,
    reason: s.reason,
    attempts: s.attempts,
    last_error: s.lastError,
    resends: s.resends,
    last_resend_request_id: s.lastResendRequestId,
    delivering_until: s.deliveringUntil,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    sent_at: s.sentAt,
    failed_at: s.failedAt,
    version: s.version,
  };
}

/**
 * Knex adapter of the notification repository, on the unit of work's transaction. One
 * transaction may change a notification several times (claim, then record), so the optimistic
 * check compares with the version it was loaded at rather than "version - 1".
 */
export class KnexNotificationRepository implements NotificationRepository {
  private readonly loadedVersions = new WeakMap<Notification, number>();

  constructor(private readonly db: Knex | Knex.Transaction) {}

  async findById(id: string): Promise<Notification | undefined> {
    return this.load(this.db<NotificationRow>('notifications').where({ id }).forUpdate().first());
  }

  async findBySource(
    sourceEventId: string,
    channel: NotificationChannelKind,
  ): Promise<Notification | undefined> {
    return this.load(
      this.db<NotificationRow>('notifications')
        .where({ source_event_id: sourceEventId, channel })
        .forUpdate()
        .first(),
    );
  }

  async save(notification: Notification): Promise<void> {
    const s = notification.toSnapshot();
    const loaded = this.loadedVersions.get(notification);
    if (loaded === s.version) return;
    if (loaded === undefined) {
      await this.db('notifications').insert(toRow(s));
    } else {
      const updated = await this.db('notifications').where({ id: s.id, version: loaded }).update(toRow(s));
      if (updated !== 1)
        throw new OptimisticConcurrencyError(`notification ${s.id} was changed concurrently`);
    }
    this.loadedVersions.set(notification, s.version);
  }

  private async load(query: Promise<NotificationRow | undefined>): Promise<Notification | undefined> {
    const row = await query;
    if (!row) return undefined;
    const n = Notification.fromSnapshot(toNotificationSnapshot(row));
    this.loadedVersions.set(n, row.version);
    return n;
  }
}

interface PartnerSettingsRow {
  id: string;
  name: string;
  email: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  webhook_previous_secrets: unknown;
  notification_preferences: unknown;
}

const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/** One rotated-out secret, sealed, and when it stops signing. */
interface StoredPreviousSecret {
  secret: string;
  validUntil: string;
}

/** At most this many rotated-out secrets sign at once (a burst of rotations would otherwise grow the header). */
export const MAX_PREVIOUS_WEBHOOK_SECRETS = 3;

function previousSecretsOf(row: { webhook_previous_secrets: unknown }): StoredPreviousSecret[] {
  const v = parseJson(row.webhook_previous_secrets);
  if (!Array.isArray(v)) return [];
  return v.filter(
    (p): p is StoredPreviousSecret =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as StoredPreviousSecret).secret === 'string' &&
      typeof (p as StoredPreviousSecret).validUntil === 'string',
  );
}

const stillValid = (p: StoredPreviousSecret, now: Date): boolean => Date.parse(p.validUntil) > now.getTime();

/** The secret, or undefined when the configured keys cannot open it. */
function tryOpen(box: WebhookSecretBox, stored: string, partnerId: string): string | undefined {
  try {
    return box.open(stored, partnerId).secret;
  } catch (e) {
    if (e instanceof WebhookSecretUnreadableError) return undefined;
    throw e;
  }
}

/** How the webhook secrets are kept: sealed by the box; on rotation the old one signs for `overlapMs` more. */
export interface WebhookSecretStorage {
  box: WebhookSecretBox;
  overlapMs: number;
  clock?: () => Date;
}

/**
 * The partner columns the notification service owns or reads: contact details, the webhook
 * secrets and the preferences. Writes touch only the webhook secret columns and
 * `notification_preferences`, so they never race the partner aggregate's own optimistic version.
 *
 * Webhook secrets are stored sealed (AES-256-GCM, `WebhookSecretBox`), never in plaintext: they
 * are opened only here, to sign. A legacy plaintext value (from before encryption at rest) is read
 * as it is until `sealStoredWebhookSecrets` (run when the notifications worker starts) or the
 * next rotation seals it.
 */
export class KnexPartnerNotificationSettings implements PartnerNotificationSettingsReader {
  private readonly now: () => Date;

  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly secrets: WebhookSecretStorage,
  ) {
    this.now = secrets.clock ?? (() => new Date());
  }

  async find(partnerId: string): Promise<PartnerNotificationSettings | undefined> {
    const row = await this.db<PartnerSettingsRow>('partners')
      .select(
        'id',
        'name',
        'email',
        'webhook_url',
        'webhook_secret',
        'webhook_previous_secrets',
        'notification_preferences',
      )
      .where({ id: partnerId })
      .first();
    if (!row) return undefined;
    const settings: PartnerNotificationSettings = {
      partnerId: row.id,
      name: row.name,
      email: row.email,
      webhookUrl: row.webhook_url,
      webhookSecret: null,
      previousWebhookSecrets: [],
      preferences: NotificationPreferences.fromStored(parseJson(row.notification_preferences)),
    };
    const { box } = this.secrets;
    try {
      settings.webhookSecret = row.webhook_secret ? box.open(row.webhook_secret, row.id).secret : null;
    } catch (e) {
      if (!(e instanceof WebhookSecretUnreadableError)) throw e;
      // Shown as the delivery's reason, which the partner reads: the details (key ids) go to the
      // operator when the notifications worker starts (sealStoredWebhookSecrets).
      settings.webhookSecretProblem =
        'it cannot be decrypted with the configured keys (WEBHOOK_SECRET_KEYS); an operator must fix the keys or rotate the secret';
      return settings;
    }
    // Expired ones are not even opened; one that cannot be opened just does not sign.
    settings.previousWebhookSecrets = previousSecretsOf(row)
      .filter((p) => stillValid(p, this.now()))
      .flatMap((p) => {
        const opened = tryOpen(box, p.secret, row.id);
        return opened === undefined ? [] : [{ secret: opened, validUntil: p.validUntil }];
      });
    return settings;
  }

  /** False when there is no such partner. */
  async savePreferences(partnerId: string, preferences: NotificationPreferences): Promise<boolean> {
    const updated = await this.db('partners')
      .where({ id: partnerId })
      .update({ notification_preferences: JSON.stringify(preferences.toStored()) });
    return updated === 1;
  }

  /**
   * Makes `secret` the signing secret, stored sealed. The one it replaces keeps signing (a second
   * signature) until the overlap ends; so do earlier ones still inside theirs, up to
   * MAX_PREVIOUS_WEBHOOK_SECRETS. False when there is no such partner.
   */
  async rotateWebhookSecret(partnerId: string, secret: string): Promise<boolean> {
    const { box, overlapMs } = this.secrets;
    return this.db.transaction(async (trx) => {
      const row = await trx<PartnerSettingsRow>('partners')
        .select('id', 'webhook_secret', 'webhook_previous_secrets')
        .where({ id: partnerId })
        .forUpdate()
        .first();
      if (!row) return false;
      const now = this.now();
      let previous: StoredPreviousSecret[] = [];
      if (overlapMs > 0) {
        const validUntil = new Date(now.getTime() + overlapMs).toISOString();
        // Resealed under the current key; one that cannot be opened could not sign anyway.
        const carried = [
          ...(row.webhook_secret ? [{ secret: row.webhook_secret, validUntil }] : []),
          ...previousSecretsOf(row).filter((p) => stillValid(p, now)),
        ].flatMap((p) => {
          const opened = tryOpen(box, p.secret, partnerId);
          return opened === undefined ? [] : [{ ...p, secret: box.seal(opened, partnerId) }];
        });
        previous = carried.slice(0, MAX_PREVIOUS_WEBHOOK_SECRETS);
      }
      await trx('partners')
        .where({ id: partnerId })
        .update({
          webhook_secret: box.seal(secret, partnerId),
          webhook_previous_secrets: JSON.stringify(previous),
        });
      return true;
    });
  }
}

export class WebhookSecretKeysError extends Error {
  override readonly name = 'WebhookSecretKeysError';
}

export interface SealReport {
  /** Partners whose secrets were stored in plaintext (before encryption at rest) and are now sealed. */
  sealed: number;
  /** Partners whose secrets were sealed under an older key and now are under the current one. */
  resealed: number;
}

/**
 * Seals every webhook secret still stored in plaintext, reseals those under older keys with the
 * current one and drops rotated-out secrets whose overlap has ended. Run by the notifications
 * worker before it polls; concurrent runs and rotations are safe (each row is updated only if it
 * is still what was read). Throws, naming the key ids, when a stored secret cannot be opened with
 * the configured keys: a wrong WEBHOOK_SECRET_KEYS stops the worker at start rather than at the
 * first delivery.
 */
export async function sealStoredWebhookSecrets(
  db: Knex,
  box: WebhookSecretBox,
  clock: () => Date = () => new Date(),
): Promise<SealReport> {
  const report: SealReport = { sealed: 0, resealed: 0 };
  const unreadable = new Map<string, string[]>();
  const now = clock();
  const PAGE = 500;
  let after: string | undefined;
  for (;;) {
    const page = db<PartnerSettingsRow>('partners')
      .select('id', 'webhook_secret', 'webhook_previous_secrets')
      .where((w) => w.whereNotNull('webhook_secret').orWhereRaw("webhook_previous_secrets <> '[]'::jsonb"))
      .orderBy('id')
      .limit(PAGE);
    if (after !== undefined) page.andWhere('id', '>', after);
    const rows = await page;
    for (const row of rows) {
      try {
        let plaintext = false;
        let rewrap = false;
        const reseal = (stored: string): string => {
          const opened = box.open(stored, row.id);
          if (!opened.needsReseal) return stored;
          if (WebhookSecretBox.isSealed(stored)) rewrap = true;
          else plaintext = true;
          return box.seal(opened.secret, row.id);
        };
        const current = row.webhook_secret === null ? null : reseal(row.webhook_secret);
        const stored = previousSecretsOf(row);
        const kept = stored
          .filter((p) => stillValid(p, now))
          .map((p) => ({ ...p, secret: reseal(p.secret) }));
        const pruned = kept.length !== stored.length;
        if (!plaintext && !rewrap && !pruned && current === row.webhook_secret) continue;
        await db('partners')
          .where({ id: row.id, webhook_secret: row.webhook_secret })
          .andWhereRaw('webhook_previous_secrets = ?::jsonb', [
            JSON.stringify(parseJson(row.webhook_previous_secrets) ?? []),
          ])
          .update({ webhook_secret: current, webhook_previous_secrets: JSON.stringify(kept) });
        if (plaintext) report.sealed += 1;
        else if (rewrap) report.resealed += 1;
      } catch (e) {
        if (!(e instanceof WebhookSecretUnreadableError)) throw e;
        const why = e.message;
        unreadable.set(why, [...(unreadable.get(why) ?? []), row.id]);
      }
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.id;
  }
  if (unreadable.size > 0) {
    const lines = [...unreadable].map(
      ([why, ids]) => `  ${ids.length} partner(s), e.g. ${ids.slice(0, 3).join(', ')}: ${why}`,
    );
    throw new WebhookSecretKeysError(
      `WEBHOOK_SECRET_KEYS cannot decrypt stored webhook secrets:\n${lines.join('\n')}\n` +
        "List every key that sealed them (the last one encrypts), or rotate those partners' secrets.",
    );
  }
  return report;
}
