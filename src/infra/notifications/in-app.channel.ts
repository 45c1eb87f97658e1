import { createHash } from 'node:crypto';
import type {
  DeliveryReceipt,
  NotificationChannel,
  OutboundNotification,
} from '../../domain/notification-channel.port';
import type { NotificationUnitOfWork } from '../../domain/notification.repository.port';

export const IN_APP_EVENT_TYPE = 'InAppNotificationPosted';

/** Name-based (v5-style) UUID: one delivery key always names the same log entry. */
function eventIdFor(deliveryKey: string): string {
  const h = createHash('sha1').update('alpes-partners/in-app:').update(deliveryKey).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown }).code === '23505';

/**
 * The partner's inbox is the event log: posting a message appends it there (the notification row
 * keeps the record), and the live UI streams it to the partner's dashboard. The entry's id comes
 * from the delivery key, so a retried attempt finds its earlier post instead of posting twice.
 */
export class InAppChannel implements NotificationChannel {
  readonly kind = 'IN_APP' as const;

  constructor(
    private readonly uow: NotificationUnitOfWork,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: OutboundNotification): Promise<DeliveryReceipt> {
    const id = eventIdFor(message.deliveryKey);
    try {
      await this.uow.run((tx) =>
        tx.events.append(
          [
            {
              id,
              type: IN_APP_EVENT_TYPE,
              occurredAt: this.clock().toISOString(),
              aggregate: { type: 'Notification', id: message.notificationId },
              partnerId: message.partnerId,
              data: {
                notificationId: message.notificationId,
                deliveryKey: message.deliveryKey,
                paymentId: message.facts.paymentId,
                notificationType: message.type,
                subject: message.subject,
                body: message.body,
                amountMinor: message.facts.amountMinor,
                currency: message.facts.currency,
              },
            },
          ],
          { workflowId: null, runId: null },
        ),
      );
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    return { reference: id };
  }
}
