import { isDomainError } from './domain-error';
import {
  NotificationErrorCodes,
  PAYMENT_NOTIFICATION_TYPES,
  PAYOUT_ACCOUNT_NOTIFICATION_TYPES,
  type NotificationFacts,
  type PayoutAccountNotificationFacts,
} from './notification.aggregate';
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

  it.each(PAYMENT_NOTIFICATION_TYPES)('renders %s with the amount in subject and body', (type) => {
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

  it('tells a partner in plain words why the bank refused the transfer', () => {
    const { body } = renderNotificationContent(
      'PAYMENT_FAILED',
      { ...facts, eventType: 'PaymentFailed', reason: 'PAYOUT_DECLINED: AC04 Closed account number' },
      'Ana',
    );
    expect(body).toContain('Reason: Your bank reports the account closed: add a new payout method (AC04).');
  });

  it('a payout the bank returned: says so, that it is paid again, and why in plain words', () => {
    expect(notificationTypeOf('PaymentReturned')).toBe('PAYMENT_RETURNED');
    const { subject, body } = renderNotificationContent(
      'PAYMENT_RETURNED',
      { ...facts, eventType: 'PaymentReturned', reason: 'AC04 Closed account number' },
      'Ana',
    );
    expect(subject).toBe(
      `Alpes Partners: Payment of ${formatAmount(1_505_000, 'COP')} returned by your bank`,
    );
    expect(body).toContain('We will pay it again');
    expect(body).toContain('Reason: Your bank reports the account closed: add a new payout method (AC04).');
  });
});

describe('payout-account notice content', () => {
  const requested: PayoutAccountNotificationFacts = {
    eventType: 'PartnerPayoutAccountChangeRequested',
    fromAccount: '****5678',
    toAccount: '****7766',
    effectiveAt: null,
    earliestEffectiveAt: '2026-03-02T10:00:00.000Z',
    reason: null,
    occurredAt: '2026-03-01T10:00:00.000Z',
  };
  const approved: PayoutAccountNotificationFacts = {
    ...requested,
    eventType: 'PartnerPayoutAccountChangeApproved',
    effectiveAt: '2026-03-02T12:00:00.000Z',
    earliestEffectiveAt: null,
    occurredAt: '2026-03-01T12:00:00.000Z',
  };
  const cancelled: PayoutAccountNotificationFacts = {
    ...requested,
    eventType: 'PartnerPayoutAccountChangeCancelled',
    earliestEffectiveAt: null,
    reason: 'asked by the partner',
  };

  it('maps the account-change events the partner hears about, not the change being written down', () => {
    expect(notificationTypeOf('PartnerPayoutAccountChangeRequested')).toBe('PAYOUT_ACCOUNT_CHANGE_REQUESTED');
    expect(notificationTypeOf('PartnerPayoutAccountChangeApproved')).toBe('PAYOUT_ACCOUNT_CHANGE_APPROVED');
    expect(notificationTypeOf('PartnerPayoutAccountChangeCancelled')).toBe('PAYOUT_ACCOUNT_CHANGE_CANCELLED');
    expect(notificationTypeOf('PartnerPayoutAccountChanged')).toBeUndefined();
    expect(notificationTypeOf('PartnerPayoutHoldPlaced')).toBeUndefined();
  });

  it('a request says which accounts, that it is not in force yet, and until when to object', () => {
    const { subject, body } = renderNotificationContent('PAYOUT_ACCOUNT_CHANGE_REQUESTED', requested, 'Ana');
    expect(subject).toBe('Alpes Partners: Change of your payout account to ****7766 requested');
    expect(body).toContain('Hello Ana,');
    expect(body).toContain('(****7766) instead of ****5678');
    expect(body).toContain(
      'If you did not ask for this, contact us before 2026-03-02T10:00:00.000Z: until then your payouts keep going to ****5678.',
    );
  });

  it('an approval says when it takes effect', () => {
    const { subject, body } = renderNotificationContent('PAYOUT_ACCOUNT_CHANGE_APPROVED', approved, 'Ana');
    expect(subject).toBe('Alpes Partners: Your payout account changes to ****7766');
    expect(body).toContain('It takes effect at 2026-03-02T12:00:00.000Z');
    expect(body).toContain('contact us before 2026-03-02T12:00:00.000Z');
    expect(body).toContain('Takes effect: 2026-03-02T12:00:00.000Z');
  });

  it('a withdrawal says the account stays, and why', () => {
    const { subject, body } = renderNotificationContent('PAYOUT_ACCOUNT_CHANGE_CANCELLED', cancelled, 'Ana');
    expect(subject).toBe('Alpes Partners: Change of your payout account to ****7766 withdrawn');
    expect(body).toContain('Your payouts keep going to ****5678.');
    expect(body).toContain('Reason: asked by the partner');
  });

  it.each(PAYOUT_ACCOUNT_NOTIFICATION_TYPES)(
    '%s is never rendered from a payment, nor a payment type from it',
    (type) => {
      const codeOf = (fn: () => unknown): string | undefined => {
        try {
          fn();
        } catch (e) {
          return isDomainError(e) ? e.code : undefined;
        }
        return undefined;
      };
      expect(codeOf(() => renderNotificationContent(type, facts, 'Ana'))).toBe(
        NotificationErrorCodes.INVALID_CONTENT,
      );
      expect(codeOf(() => renderNotificationContent('PAYMENT_COMPLETED', requested, 'Ana'))).toBe(
        NotificationErrorCodes.INVALID_CONTENT,
      );
    },
  );
});
