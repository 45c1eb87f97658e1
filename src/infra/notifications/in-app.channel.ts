import { nameBasedUuid } from '../../shared/name-based-uuid';
import {
  isPartnerActionFacts,
  isPaymentFacts,
  isPayoutAccountFacts,
} from '../../domain/notification.aggregate';
import type {
  DeliveryReceipt,
  NotificationChannel,
  OutboundNotification,
} from '../../ports/notification-channel.port';
import type { NotificationUnitOfWork } from '../../ports/notification-unit-of-work.port';

export const IN_APP_EVENT_TYPE = 'InAppNotificationPosted';

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
    const id = nameBasedUuid('in-app', message.deliveryKey);
    const f = message.facts;
    // What the dashboard shows besides subject and body: the payment's amount, or the masked accounts.
    const details = isPayoutAccountFacts(f)
      ? { fromAccount: f.fromAccount, toAccount: f.toAccount, effectiveAt: f.effectiveAt }
      : isPartnerActionFacts(f)
        ? { reason: f.reason, whatToDo: f.whatToDo }
        : { amountMinor: f.amountMinor, currency: f.currency };
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
                ...(isPaymentFacts(f) ? { paymentId: f.paymentId } : {}),
                notificationType: message.type,
                subject: message.subject,
                body: message.body,
                ...details,
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
