import { DomainError } from './domain-error';
import {
  isNotificationChannel,
  isNotificationType,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_TYPES,
  NotificationErrorCodes,
  type NotificationChannelKind,
  type NotificationType,
} from './notification.aggregate';

export type ChannelsByType = Record<NotificationType, NotificationChannelKind[]>;

/**
 * Security notices: someone asked to send the partner's money elsewhere, or it was approved. The
 * partner must hear of them on the channels they watch — email and webhook (when they have a
 * webhook URL) can never be switched off; only the in-app copy may be.
 */
export const REQUIRED_CHANNELS: Readonly<
  Partial<Record<NotificationType, readonly NotificationChannelKind[]>>
> = Object.freeze({
  PAYOUT_ACCOUNT_CHANGE_REQUESTED: ['EMAIL', 'WEBHOOK'],
  PAYOUT_ACCOUNT_CHANGE_APPROVED: ['EMAIL', 'WEBHOOK'],
  PAYOUT_ACCOUNT_CHANGE_CANCELLED: ['EMAIL', 'WEBHOOK'],
});

/**
 * News a partner must hear about whatever they chose: money that did not arrive or was taken
 * back, and every payout-account change. These may be narrowed to fewer channels but never to
 * none (and never below their REQUIRED_CHANNELS).
 */
export const UNMUTABLE_NOTIFICATION_TYPES: readonly NotificationType[] = [
  'PAYMENT_FAILED',
  'PAYMENT_REFUNDED',
  'PAYMENT_RETURNED',
  'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
  'PAYOUT_ACCOUNT_CHANGE_APPROVED',
  'PAYOUT_ACCOUNT_CHANGE_CANCELLED',
  // Issue 27: a partner who can fix why they are not paid is never left out silently.
  'TAX_FORM_EXPIRING',
  'PAYOUT_SKIPPED',
];

/** When a stored choice mutes an unmutable type anyway (older data), email still goes out. */
const UNMUTABLE_FLOOR: NotificationChannelKind = 'EMAIL';

const ALL: NotificationChannelKind[] = ['EMAIL', 'WEBHOOK', 'IN_APP'];

/** Progress updates go to machines and the dashboard; outcomes also go to the inbox. */
export const DEFAULT_CHANNELS: Readonly<ChannelsByType> = Object.freeze({
  PAYMENT_CREATED: ['WEBHOOK', 'IN_APP'],
  PAYMENT_AWAITING_APPROVAL: ['WEBHOOK', 'IN_APP'],
  PAYMENT_COMPLETED: ALL,
  PAYMENT_REJECTED: ALL,
  PAYMENT_FAILED: ALL,
  PAYMENT_CANCELLED: ALL,
  PAYMENT_REFUNDED: ALL,
  PAYMENT_RETURNED: ALL,
  PAYOUT_ACCOUNT_CHANGE_REQUESTED: ALL,
  PAYOUT_ACCOUNT_CHANGE_APPROVED: ALL,
  PAYOUT_ACCOUNT_CHANGE_CANCELLED: ALL,
  TAX_FORM_EXPIRING: ALL,
  PAYOUT_SKIPPED: ALL,
});

/** Canonical order, no duplicates, so equal choices compare and store equally. */
const normalise = (channels: readonly NotificationChannelKind[]): NotificationChannelKind[] =>
  NOTIFICATION_CHANNELS.filter((c) => channels.includes(c));

/**
 * A partner's choice of channels per notification type. Only the types the partner chose are
 * stored (`overrides`); every other type follows the defaults, so improving a default reaches
 * everyone who never chose.
 */
export class NotificationPreferences {
  private constructor(private readonly overrides: Readonly<Partial<ChannelsByType>>) {
    Object.freeze(this);
  }

  static defaults(): NotificationPreferences {
    return new NotificationPreferences({});
  }

  /**
   * Validates a partner's choice; muting an unmutable type entirely, or leaving out a channel a
   * security notice requires, is refused.
   */
  static create(raw: unknown): NotificationPreferences {
    const overrides = NotificationPreferences.parse(raw);
    for (const type of UNMUTABLE_NOTIFICATION_TYPES) {
      if (overrides[type]?.length === 0) {
        throw new DomainError(
          NotificationErrorCodes.TYPE_NOT_MUTABLE,
          `${type} notifications cannot be muted: choose at least one channel`,
          { type },
        );
      }
    }
    for (const [type, required] of Object.entries(REQUIRED_CHANNELS) as Array<
      [NotificationType, readonly NotificationChannelKind[]]
    >) {
      const chosen = overrides[type];
      const missing = chosen && required.find((c) => !chosen.includes(c));
      if (missing) {
        throw new DomainError(
          NotificationErrorCodes.TYPE_NOT_MUTABLE,
          `${type} notifications always go by ${required.join(' and ')}: ${missing} cannot be switched off`,
          { type, channel: missing },
        );
      }
    }
    return new NotificationPreferences(overrides);
  }

  /**
   * Rehydrates what was stored. Lenient on purpose: entries it does not understand are ignored
   * rather than breaking every later notification to that partner.
   */
  static fromStored(raw: unknown): NotificationPreferences {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return NotificationPreferences.defaults();
    const overrides: Partial<ChannelsByType> = {};
    for (const [type, channels] of Object.entries(raw as Record<string, unknown>)) {
      if (!isNotificationType(type) || !Array.isArray(channels)) continue;
      overrides[type] = normalise(channels.filter(isNotificationChannel));
    }
    return new NotificationPreferences(overrides);
  }

  private static parse(raw: unknown): Partial<ChannelsByType> {
    const invalid = (message: string, details: Record<string, unknown> = {}): DomainError =>
      new DomainError(NotificationErrorCodes.INVALID_PREFERENCES, message, details);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalid('Preferences must map notification types to lists of channels');
    }
    const overrides: Partial<ChannelsByType> = {};
    for (const [type, channels] of Object.entries(raw as Record<string, unknown>)) {
      if (!isNotificationType(type)) {
        throw invalid(`Unknown notification type ${type} (one of ${NOTIFICATION_TYPES.join(', ')})`, {
          type,
        });
      }
      if (!Array.isArray(channels)) throw invalid(`${type}: must be a list of channels`, { type });
      const unknown = channels.find((c) => !isNotificationChannel(c));
      if (unknown !== undefined) {
        throw invalid(
          `${type}: unknown channel ${String(unknown)} (one of ${NOTIFICATION_CHANNELS.join(', ')})`,
          {
            type,
            channel: unknown,
          },
        );
      }
      overrides[type] = normalise(channels as NotificationChannelKind[]);
    }
    return overrides;
  }

  /**
   * The channels to use for one notification type, the unmutable floor and the required channels
   * applied (whatever was stored: data written before a rule existed, or around the API).
   */
  channelsFor(type: NotificationType): NotificationChannelKind[] {
    const chosen = this.overrides[type] ?? DEFAULT_CHANNELS[type];
    const required = REQUIRED_CHANNELS[type] ?? [];
    if (required.length > 0) return normalise([...chosen, ...required]);
    if (chosen.length === 0 && UNMUTABLE_NOTIFICATION_TYPES.includes(type)) return [UNMUTABLE_FLOOR];
    return [...chosen];
  }

  /** Every type with its effective channels: what the partner actually gets. */
  effective(): ChannelsByType {
    const out = {} as ChannelsByType;
    for (const type of NOTIFICATION_TYPES) out[type] = this.channelsFor(type);
    return out;
  }

  /** Only the partner's own choices: what is stored. */
  toStored(): Partial<ChannelsByType> {
    const out: Partial<ChannelsByType> = {};
    for (const [type, channels] of Object.entries(this.overrides))
      out[type as NotificationType] = [...channels];
    return out;
  }
}
