import type { OutboundNotification } from '../../ports/notification-channel.port';
import { webhookPayload } from './webhook.channel';

const base = {
  notificationId: 'n-1',
  deliveryKey: 'n-1:0',
  partnerId: 'p-1',
  subject: 's',
  body: 'b',
  createdAt: '2026-03-01T10:00:01.000Z',
  target: { channel: 'WEBHOOK', url: 'https://example.com/h', secret: 'x' },
} as const;

describe('webhook payload', () => {
  it('a payment notification: exactly the shape partners have always received', () => {
    const message: OutboundNotification = {
      ...base,
      type: 'PAYMENT_COMPLETED',
      sourceEventId: 'pay-1:PaymentCompleted',
      facts: {
        paymentId: 'pay-1',
        eventType: 'PaymentCompleted',
        amountMinor: 123_456,
        currency: 'USD',
        reason: null,
        occurredAt: '2026-03-01T10:00:00.000Z',
      },
    };
    expect(JSON.stringify(webhookPayload(message))).toBe(
      '{"id":"n-1","type":"PAYMENT_COMPLETED","createdAt":"2026-03-01T10:00:01.000Z","partnerId":"p-1",' +
        '"sourceEventId":"pay-1:PaymentCompleted","subject":"s","data":{"paymentId":"pay-1",' +
        '"eventType":"PaymentCompleted","amountMinor":123456,"currency":"USD","amount":"$1,234.56",' +
        '"reason":null,"occurredAt":"2026-03-01T10:00:00.000Z"}}',
    );
  });

  it('a payout-account notification: masked accounts and when it takes effect, no payment', () => {
    const message: OutboundNotification = {
      ...base,
      type: 'PAYOUT_ACCOUNT_CHANGE_APPROVED',
      sourceEventId: 'evt-1:PartnerPayoutAccountChangeApproved',
      facts: {
        eventType: 'PartnerPayoutAccountChangeApproved',
        fromAccount: '****5678',
        toAccount: '****7766',
        effectiveAt: '2026-03-02T10:00:00.000Z',
        earliestEffectiveAt: null,
        reason: null,
        occurredAt: '2026-03-01T10:00:00.000Z',
      },
    };
    expect(webhookPayload(message)).toEqual({
      id: 'n-1',
      type: 'PAYOUT_ACCOUNT_CHANGE_APPROVED',
      createdAt: '2026-03-01T10:00:01.000Z',
      partnerId: 'p-1',
      sourceEventId: 'evt-1:PartnerPayoutAccountChangeApproved',
      subject: 's',
      data: {
        eventType: 'PartnerPayoutAccountChangeApproved',
        fromAccount: '****5678',
        toAccount: '****7766',
        effectiveAt: '2026-03-02T10:00:00.000Z',
        earliestEffectiveAt: null,
        reason: null,
        occurredAt: '2026-03-01T10:00:00.000Z',
      },
    });
  });
});
