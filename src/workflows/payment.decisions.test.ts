import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import {
  awaitingDecision,
  awaitsDecision,
  cancellable,
  currentDetails,
  failureReason,
  isFinal,
  isOrdinaryRecordResult,
  isPayoutUnderWay,
  isResolution,
  isReturnedRefusal,
  partnerNoticeFor,
  provesNotPaid,
  refundable,
  refuse,
  requireActor,
} from './payment.decisions';
import type { PaymentWorkflowSettings } from './payment.messages';

const ALL_STATUSES = [
  'PENDING',
  'AWAITING_APPROVAL',
  'PROCESSING',
  'PAYOUT_UNKNOWN',
  'COMPLETED',
  'COMPENSATION_FAILED',
  'FAILED',
  'REJECTED',
  'CANCELLED',
  'REFUNDED',
  'RETURNED',
];

const refusal = (type: string, opts: { nonRetryable?: boolean; details?: unknown[] } = {}) =>
  ApplicationFailure.create({
    type,
    message: `${type} happened`,
    nonRetryable: opts.nonRetryable ?? true,
    details: opts.details,
  });

/** As the workflow sees an activity's failure: the activity's own error is the cause. */
const fromActivity = (cause: Error) =>
  new ActivityFailure('activity failed', 'payOut', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);

const refusedWith = (f: () => void): { type?: string; message: string; nonRetryable: boolean } => {
  try {
    f();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err as never;
    throw err;
  }
  throw new Error('not refused');
};

describe('payment decisions', () => {
  describe('statuses', () => {
    it('a payment ends in FAILED, REJECTED, CANCELLED, REFUNDED or RETURNED', () => {
      expect(ALL_STATUSES.filter(isFinal)).toEqual([
        'FAILED',
        'REJECTED',
        'CANCELLED',
        'REFUNDED',
        'RETURNED',
      ]);
    });

    it('recordPayment ordinarily answers the payment as just recorded or already ended; anything else is resumed', () => {
      expect(ALL_STATUSES.filter(isOrdinaryRecordResult)).toEqual([
        'PENDING',
        'PROCESSING',
        'FAILED',
        'REJECTED',
        'CANCELLED',
        'REFUNDED',
        'RETURNED',
      ]);
    });

    it('the payout is under way from PROCESSING on, until it ends', () => {
      expect(ALL_STATUSES.filter(isPayoutUnderWay)).toEqual([
        'PROCESSING',
        'PAYOUT_UNKNOWN',
        'COMPLETED',
        'COMPENSATION_FAILED',
      ]);
    });

    it('tells the partner of every status it has a notice for, and of no other', () => {
      expect(Object.fromEntries(ALL_STATUSES.map((s) => [s, partnerNoticeFor(s)]))).toEqual({
        PENDING: 'PaymentCreated',
        AWAITING_APPROVAL: 'PaymentAwaitingApproval',
        PROCESSING: undefined,
        PAYOUT_UNKNOWN: undefined,
        COMPLETED: 'PaymentCompleted',
        COMPENSATION_FAILED: undefined,
        FAILED: 'PaymentFailed',
        REJECTED: 'PaymentRejected',
        CANCELLED: 'PaymentCancelled',
        REFUNDED: 'PaymentRefunded',
        // Told through the outbox by reconciliation, which records it: not a workflow step.
        RETURNED: undefined,
      });
    });
  });

  describe('decision rules', () => {
    const open = { approvedBy: null, payoutStarted: false };

    it('approve and reject run only on a payment awaiting approval that nobody has approved yet', () => {
      expect(ALL_STATUSES.filter((s) => awaitingDecision.allows(s, open))).toEqual(['AWAITING_APPROVAL']);
      expect(awaitingDecision.allows('AWAITING_APPROVAL', { ...open, approvedBy: 'ops-2' })).toBe(false);
      expect(awaitsDecision('AWAITING_APPROVAL', null)).toBe(true);
      expect(awaitsDecision('AWAITING_APPROVAL', 'ops-2')).toBe(false);
      expect(awaitingDecision.code).toBe('PAYMENT.NOT_AWAITING_APPROVAL');
      expect(awaitingDecision.refusal('COMPLETED')).toBe('a COMPLETED payment is not awaiting approval');
    });

    it('cancel runs before the payout has started, and only then', () => {
      expect(ALL_STATUSES.filter((s) => cancellable.allows(s, open))).toEqual([
        'PENDING',
        'AWAITING_APPROVAL',
      ]);
      expect(cancellable.allows('PENDING', { ...open, payoutStarted: true })).toBe(false);
      expect(cancellable.allows('AWAITING_APPROVAL', { ...open, approvedBy: 'ops-2' })).toBe(true);
      expect(cancellable.code).toBe('PAYMENT.NOT_CANCELLABLE');
      expect(cancellable.refusal('PROCESSING')).toBe('a PROCESSING payment can no longer be cancelled');
    });

    it('a refund of a returned payment is refused as PAYMENT.RETURNED, and a step refusing so is recognised', () => {
      expect(refundable.allows('RETURNED', open)).toBe(false);
      expect(refundable.codeFor?.('RETURNED')).toBe('PAYMENT.RETURNED');
      expect(refundable.codeFor?.('REFUNDED')).toBe('PAYMENT.NOT_REFUNDABLE');
      expect(refundable.refusal('RETURNED')).toMatch(/bank returned/);
      expect(isReturnedRefusal(fromActivity(refusal('PAYMENT.RETURNED')))).toBe(true);
      expect(isReturnedRefusal(refusal('PAYMENT.RETURNED'))).toBe(true);
      expect(isReturnedRefusal(fromActivity(refusal('PAYMENT.NOT_REFUNDABLE')))).toBe(false);
      expect(isReturnedRefusal(new Error('PAYMENT.RETURNED'))).toBe(false);
    });

    it('refund runs on a completed payment only', () => {
      expect(ALL_STATUSES.filter((s) => refundable.allows(s, { ...open, payoutStarted: true }))).toEqual([
        'COMPLETED',
      ]);
      expect(refundable.code).toBe('PAYMENT.NOT_REFUNDABLE');
      expect(refundable.refusal('FAILED')).toBe('a FAILED payment cannot be refunded');
    });

    it('refuses with a non-retryable failure carrying the code', () => {
      expect(refusedWith(() => refuse('PAYMENT.X', 'no'))).toMatchObject({
        type: 'PAYMENT.X',
        message: 'no',
        nonRetryable: true,
      });
    });

    it('requires an actor that is a non-blank string', () => {
      for (const input of [undefined, { actor: '' }, { actor: '   ' }, { actor: 42 as unknown as string }]) {
        expect(refusedWith(() => requireActor(input))).toMatchObject({ type: 'PAYMENT.ACTOR_REQUIRED' });
      }
      expect(() => requireActor({ actor: 'ops-1' })).not.toThrow();
    });
  });

  describe('payout outcomes', () => {
    it('a refusal by the bank proves nothing was paid', () => {
      for (const type of ['PAYOUT_DECLINED', 'PAYOUT_VOIDED', 'PAYOUT_PROVIDER_REJECTED']) {
        expect(provesNotPaid(fromActivity(refusal(type)))).toBe(true);
        expect(provesNotPaid(refusal(type))).toBe(true);
      }
    });

    it('so does a domain refusal raised before the request left (a payout hold)', () => {
      expect(provesNotPaid(fromActivity(refusal('PAYOUT.HOLD')))).toBe(true);
    });

    it('a reused idempotency key says nothing about what the first request did', () => {
      const reused = refusal('PAYOUT_PROVIDER_REJECTED', {
        details: [{ providerCode: 'IDEMPOTENCY_KEY_REUSED' }],
      });
      expect(provesNotPaid(fromActivity(reused))).toBe(false);
      const other = refusal('PAYOUT_PROVIDER_REJECTED', { details: [{ providerCode: 'ACCOUNT_CLOSED' }] });
      expect(provesNotPaid(fromActivity(other))).toBe(true);
    });

    it('timeouts, retryable failures and unknown errors leave the outcome unknown', () => {
      expect(provesNotPaid(fromActivity(refusal('PAYOUT_DECLINED', { nonRetryable: false })))).toBe(false);
      expect(provesNotPaid(fromActivity(refusal('PAYOUT_TIMEOUT')))).toBe(false);
      expect(provesNotPaid(fromActivity(new Error('socket hang up')))).toBe(false);
      expect(provesNotPaid(new Error('boom'))).toBe(false);
      expect(provesNotPaid(undefined)).toBe(false);
    });

    it('the failure reason is the refusal code and message, else a generic one', () => {
      expect(failureReason(fromActivity(refusal('PAYOUT_DECLINED')))).toBe(
        'PAYOUT_DECLINED: PAYOUT_DECLINED happened',
      );
      expect(failureReason(refusal('PAYMENT.X'))).toBe('PAYMENT.X: PAYMENT.X happened');
      expect(failureReason(fromActivity(new Error('socket hang up')))).toBe('payout_failed');
      expect(failureReason('nope')).toBe('payout_failed');
    });

    it('takes only a well-formed janitor answer', () => {
      expect(isResolution({ outcome: 'PAID', payoutReference: 'po_1' })).toBe(true);
      expect(isResolution({ outcome: 'NOT_PAID', code: 'PAYOUT_DECLINED', reason: 'declined' })).toBe(true);
      for (const r of [
        null,
        undefined,
        'PAID',
        { outcome: 'PAID' },
        { outcome: 'PAID', payoutReference: '' },
        { outcome: 'NOT_PAID', code: 'PAYOUT_DECLINED' },
        { outcome: 'MAYBE', code: 'x', reason: 'y' },
      ]) {
        expect(isResolution(r)).toBe(false);
      }
    });
  });

  describe('current details', () => {
    const settings: PaymentWorkflowSettings = {
      activityStartToCloseMs: 1_000,
      retryInitialIntervalMs: 100,
      retryMaxIntervalMs: 1_000,
      approvalTimeoutMs: 30 * 60_000,
      refundWindowMs: 7 * 86_400_000,
      payoutScheduleToCloseMs: 60_000,
    };

    it('says what the payment waits for, with its timeouts', () => {
      expect(currentDetails('AWAITING_APPROVAL', settings)).toMatch(
        /rejected after 30 min without a decision/,
      );
      expect(currentDetails('COMPLETED', settings)).toMatch(/open for a refund for 7 d/);
      expect(currentDetails('PROCESSING', settings)).toMatch(/^\*\*Processing\*\*/);
      expect(currentDetails('PAYOUT_UNKNOWN', settings)).toMatch(/waiting for the janitor/);
      expect(currentDetails('FAILED', settings)).toBe('**FAILED**');
    });
  });
});
