import { isDomainError } from './domain-error';
import { NOTIFICATION_TYPES, NotificationErrorCodes, type NotificationFacts } from './notification.aggregate';
import {
  formatAmount,
  notificationTypeOf,
  renderNotificationContent,
  requireNotificationType,
} from './notification-content';

const facts: NotificationFacts = {
  paymentId: 'pay-42',
  eventType: 'PaymentCompleted',
  amountMinor: 1_505_000,
  currency: 'COP',
  reason: null,
  occurredAt: '2026-03-01T10:00:00.000Z',
};

describe('notification content', () => {
  it.each([
    [1500, 'USD', '$15.00'],
    [500, 'JPY', '¥500'],
    [1_234_567, 'KWD', 'KWD 1,234.567'],
    [1_505_000, 'COP', 'COP 15,050.00'],
  ])('formats %i %s as %s', (minor, currency, text) => {
    expect(formatAmount(minor, currency).replace(/\u00a0/g, ' ')).toBe(text);
  });

  it('maps the partner-facing payment events, and only those', () => {
    expect(notificationTypeOf('PaymentCompleted')).toBe('PAYMENT_COMPLETED');
    expect(notificationTypeOf('PaymentAwaitingApproval')).toBe('PAYMENT_AWAITING_APPROVAL');
    expect(notificationTypeOf('PaymentProcessing')).toBeUndefined();
    expect(notificationTypeOf('constructor')).toBeUndefined();
    try {
      requireNotificationType('PaymentApproved');
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isDomainError(e) && e.code).toBe(NotificationErrorCodes.UNKNOWN_EVENT_TYPE);
    }
  });

  it.each(NOTIFICATION_TYPES)('renders %s with the amount in subject and body', (type) => {
    const { subject, body } = renderNotificationContent(type, facts, 'Ana');
    const amount = formatAmount(facts.amountMinor, facts.currency);
    expect(subject).toContain(amount);
    expect(body).toContain(amount);
    expect(body).toContain('Hello Ana,');
    expect(body).toContain('pay-42');
  });

  it('says why when there is a reason', () => {
    const { subject, body } = renderNotificationContent(
      'PAYMENT_REJECTED',
      { ...facts, reason: 'duplicate invoice' },
      'Ana',
    );
    expect(subject).toBe(`Alpes Partners: Payment of ${formatAmount(1_505_000, 'COP')} rejected`);
    expect(body).toContain('Reason: duplicate invoice');
  });
});
