import { Notification, NotificationErrorCodes, type CreateNotificationProps } from './notification.aggregate';
import { expectDomainError } from '../../test/support/expect-domain-error';

const t0 = new Date('2026-03-01T10:00:00.000Z');
const later = (ms: number): Date => new Date(t0.getTime() + ms);

const props: CreateNotificationProps = {
  id: '7f4f7f4e-0000-4000-8000-000000000001',
  partnerId: 'partner-1',
  sourceEventId: 'pay-1:PaymentCompleted',
  channel: 'EMAIL',
  type: 'PAYMENT_COMPLETED',
  content: { subject: 'Payment of $15.00 completed', body: 'Hello' },
  facts: {
    paymentId: 'pay-1',
    eventType: 'PaymentCompleted',
    amountMinor: 1500,
    currency: 'USD',
    reason: null,
    occurredAt: t0.toISOString(),
  },
  now: t0,
};

describe('Notification', () => {
  it('is created PENDING with no attempts and records NotificationCreated', () => {
    const n = Notification.create(props);
    expect(n.status).toBe('PENDING');
    expect(n.attempts).toBe(0);
    const [event, ...rest] = n.pullEvents();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      type: 'NotificationCreated',
      aggregate: { type: 'Notification', id: props.id },
      partnerId: 'partner-1',
      data: {
        notificationId: props.id,
        paymentId: 'pay-1',
        channel: 'EMAIL',
        notificationType: 'PAYMENT_COMPLETED',
        status: 'PENDING',
        attempts: 0,
        reason: null,
      },
    });
    expect(n.pullEvents()).toEqual([]);
  });

  it('counts failed attempts without events, then SENT counts the successful one', () => {
    const n = Notification.create(props);
    n.pullEvents();
    n.recordFailedAttempt('ECONNREFUSED', later(1));
    n.recordFailedAttempt('HTTP 503', later(2));
    expect(n.pullEvents()).toEqual([]);
    expect(n.toSnapshot()).toMatchObject({ attempts: 2, lastError: 'HTTP 503', status: 'PENDING' });
    n.markSent(later(3));
    expect(n.toSnapshot()).toMatchObject({ status: 'SENT', attempts: 3, sentAt: later(3).toISOString() });
    expect(n.pullEvents().map((e) => [e.type, e.data.status, e.data.attempts])).toEqual([
      ['NotificationSent', 'SENT', 3],
    ]);
  });

  it('FAILED carries the reason; settled notifications refuse further transitions', () => {
    const n = Notification.create(props);
    n.markFailed('HTTP 503 after 5 attempts', later(1));
    expect(n.toSnapshot()).toMatchObject({ status: 'FAILED', reason: 'HTTP 503 after 5 attempts' });
    expect(n.pullEvents().at(-1)).toMatchObject({
      type: 'NotificationFailed',
      data: { status: 'FAILED', reason: 'HTTP 503 after 5 attempts' },
    });
    expectDomainError(() => n.markSent(later(2)), NotificationErrorCodes.INVALID_TRANSITION);
    expectDomainError(() => n.markFailed('again', later(2)), NotificationErrorCodes.INVALID_TRANSITION);
    expectDomainError(() => n.recordFailedAttempt('x', later(2)), NotificationErrorCodes.INVALID_TRANSITION);
  });

  it('clips very long reasons', () => {
    const n = Notification.create(props);
    n.markFailed('x'.repeat(5000), later(1));
    expect(n.toSnapshot().reason!.length).toBe(1000);
  });

  it('lets one attempt hold the delivery until its lease ends', () => {
    const n = Notification.create(props);
    expect(n.beginAttempt(t0, 10_000)).toBe(true);
    expect(n.beginAttempt(later(5_000), 10_000)).toBe(false);
    expect(n.beginAttempt(later(10_001), 10_000)).toBe(true);
    n.recordFailedAttempt('timeout', later(10_002));
    expect(n.beginAttempt(later(10_003), 10_000)).toBe(true);
  });

  it('resends a settled notification as a new delivery, once per request id', () => {
    const n = Notification.create(props);
    expectDomainError(() => n.requestResend('r1', later(1)), NotificationErrorCodes.NOT_RESENDABLE);
    n.markFailed('down', later(1));
    const firstKey = n.deliveryKey;
    n.pullEvents();
    n.requestResend('r1', later(2));
    n.requestResend('r1', later(3));
    expect(n.status).toBe('PENDING');
    expect(n.deliveryKey).not.toBe(firstKey);
    expect(n.toSnapshot()).toMatchObject({ reason: null, resends: 1, failedAt: null });
    expect(n.pullEvents().map((e) => e.type)).toEqual(['NotificationResendRequested']);
    n.markSent(later(4));
    n.requestResend('r2', later(5));
    expect(n.toSnapshot().resends).toBe(2);
  });

  it('round-trips through its snapshot and refuses corrupt ones', () => {
    const n = Notification.create(props);
    n.markSent(later(1));
    const copy = Notification.fromSnapshot(n.toSnapshot());
    expect(copy.toSnapshot()).toEqual(n.toSnapshot());
    expect(copy.pullEvents()).toEqual([]);
    expect(() => Notification.fromSnapshot({ ...n.toSnapshot(), status: 'LOST' as never })).toThrow(
      /Corrupt/,
    );
  });

  it('needs a subject and a body', () => {
    expectDomainError(
      () => Notification.create({ ...props, content: { subject: ' ', body: 'b' } }),
      NotificationErrorCodes.INVALID_CONTENT,
    );
  });

  describe('payout-account notices (no payment)', () => {
    const accountProps: CreateNotificationProps = {
      ...props,
      sourceEventId: 'evt-1:PartnerPayoutAccountChangeRequested',
      type: 'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
      facts: {
        eventType: 'PartnerPayoutAccountChangeRequested',
        fromAccount: '****5678',
        toAccount: '****7766',
        effectiveAt: null,
        earliestEffectiveAt: later(86_400_000).toISOString(),
        reason: null,
        occurredAt: t0.toISOString(),
      },
    };

    it('has no payment id, in its snapshot and its events', () => {
      const n = Notification.create(accountProps);
      expect(n.paymentId).toBeNull();
      expect(n.toSnapshot()).toMatchObject({ paymentId: null, facts: accountProps.facts });
      expect(n.pullEvents()[0]!.data).toMatchObject({
        paymentId: null,
        notificationType: 'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
      });
      expect(Notification.fromSnapshot(n.toSnapshot()).facts).toEqual(accountProps.facts);
    });

    it('refuses an account that is not masked (the full number never reaches a notification)', () => {
      for (const patch of [
        { toAccount: '0099887766' },
        { fromAccount: 'DE89370400440532013000' },
        { toAccount: '7766' },
      ]) {
        expectDomainError(
          () => Notification.create({ ...accountProps, facts: { ...accountProps.facts, ...patch } as never }),
          NotificationErrorCodes.INVALID_CONTENT,
        );
      }
    });

    it('refuses facts that do not fit the type', () => {
      expectDomainError(
        () => Notification.create({ ...accountProps, type: 'PAYMENT_COMPLETED' }),
        NotificationErrorCodes.INVALID_CONTENT,
      );
      expectDomainError(
        () => Notification.create({ ...props, type: 'PAYOUT_ACCOUNT_CHANGE_APPROVED' }),
        NotificationErrorCodes.INVALID_CONTENT,
      );
    });
  });
});
