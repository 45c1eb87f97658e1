import { PayoutMaximums } from './payout-maximums.value-object';
import { ErrorCodes } from './domain-error';
import type { DomainEvent } from './domain-event';
import { PAYMENT_EVENT_TYPES, type PaymentDomainEvent, type PaymentEventType } from './payment-events';
import {
  type CreatePaymentProps,
  Payment,
  PAYMENT_REASON_MAX_LENGTH,
  type PaymentSnapshot,
} from './payment.aggregate';
import { PAYMENT_STATUSES, type PaymentStatus } from './payment-status';
import { expectDomainError } from '../../test/support/expect-domain-error';

const T0 = new Date('2024-01-01T00:00:00.000Z');
const T1 = new Date('2024-01-02T03:04:05.678Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const baseProps = (): CreatePaymentProps => ({
  id: 'pay-1',
  partnerId: 'partner-1',
  currency: 'COP',
  lines: [
    { reference: 'ORD-1', amountMinor: 1000, description: 'first' },
    { reference: 'ORD-2', amountMinor: 2550, description: 'second' },
  ],
  createdBy: 'alice',
  now: T0,
});

const snapshot = (overrides: Partial<PaymentSnapshot> = {}): PaymentSnapshot => ({
  id: 'pay-1',
  partnerId: 'partner-1',
  currency: 'COP',
  totalMinor: 3550,
  lines: [
    { reference: 'ORD-1', amountMinor: 1000, description: 'first' },
    { reference: 'ORD-2', amountMinor: 2550, description: 'second' },
  ],
  status: 'PENDING',
  createdBy: 'alice',
  approvedBy: null,
  decidedBy: null,
  reason: null,
  payoutReference: null,
  refundReference: null,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  version: 3,
  ...overrides,
});

describe('Payment.create', () => {
  it('creates a PENDING payment whose total is the sum of its lines', () => {
    const payment = Payment.create(baseProps());
    expect(payment.id).toBe('pay-1');
    expect(payment.partnerId).toBe('partner-1');
    expect(payment.status).toBe('PENDING');
    expect(payment.total.amountMinor).toBe(3550);
    expect(payment.total.currency).toBe('COP');
    expect(payment.currency).toBe('COP');
    expect(payment.lines.map((l) => l.reference)).toEqual(['ORD-1', 'ORD-2']);
    expect(payment.isFinal()).toBe(false);
    expect(payment.isApproved()).toBe(false);
    expect(payment.toSnapshot()).toEqual({
      id: 'pay-1',
      partnerId: 'partner-1',
      currency: 'COP',
      totalMinor: 3550,
      lines: [
        { reference: 'ORD-1', amountMinor: 1000, description: 'first' },
        { reference: 'ORD-2', amountMinor: 2550, description: 'second' },
      ],
      status: 'PENDING',
      createdBy: 'alice',
      approvedBy: null,
      decidedBy: null,
      reason: null,
      payoutReference: null,
      refundReference: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
      version: 1,
    });
  });

  it('emits PaymentCreated once', () => {
    const payment = Payment.create(baseProps());
    const events = payment.pullEvents();
    expect(events).toHaveLength(1);
    const [event] = events as [PaymentDomainEvent];
    expect(event.id).toMatch(UUID);
    expect(event).toEqual({
      id: event.id,
      type: 'PaymentCreated',
      occurredAt: '2024-01-01T00:00:00.000Z',
      aggregate: { type: 'Payment', id: 'pay-1' },
      partnerId: 'partner-1',
      data: {
        paymentId: 'pay-1',
        partnerId: 'partner-1',
        status: 'PENDING',
        amountMinor: 3550,
        currency: 'COP',
        version: 1,
        createdBy: 'alice',
        lines: [
          { reference: 'ORD-1', amountMinor: 1000, description: 'first' },
          { reference: 'ORD-2', amountMinor: 2550, description: 'second' },
        ],
      },
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(payment.pullEvents()).toEqual([]);
  });

  it('stores trimmed line references and descriptions', () => {
    const payment = Payment.create({
      ...baseProps(),
      lines: [{ reference: ' A ', amountMinor: 1, description: ' d ' }],
    });
    expect(payment.toSnapshot().lines).toEqual([{ reference: 'A', amountMinor: 1, description: 'd' }]);
  });

  it('accepts lines that state the payment currency', () => {
    const payment = Payment.create({
      ...baseProps(),
      lines: [{ reference: 'A', amountMinor: 1, description: '', currency: 'COP' }],
    });
    expect(payment.total.amountMinor).toBe(1);
  });

  it('rejects an empty line list', () => {
    expectDomainError(() => Payment.create({ ...baseProps(), lines: [] }), ErrorCodes.PAYMENT_NO_LINES);
    expectDomainError(
      () => Payment.create({ ...baseProps(), lines: undefined as unknown as [] }),
      ErrorCodes.PAYMENT_NO_LINES,
    );
  });

  it('rejects an unknown currency', () => {
    expectDomainError(
      () => Payment.create({ ...baseProps(), currency: 'XYZ' }),
      ErrorCodes.MONEY_UNKNOWN_CURRENCY,
    );
  });

  it('rejects a line in another currency', () => {
    const e = expectDomainError(
      () =>
        Payment.create({
          ...baseProps(),
          lines: [
            { reference: 'A', amountMinor: 1, description: '' },
            { reference: 'B', amountMinor: 1, description: '', currency: 'USD' },
          ],
        }),
      ErrorCodes.PAYMENT_LINE_CURRENCY_MISMATCH,
    );
    expect(e.details).toEqual({ lineIndex: 1, expected: 'COP', actual: 'USD' });
  });

  it.each([
    ['reference', { reference: '', amountMinor: 1, description: '' }, ErrorCodes.LINE_INVALID_REFERENCE],
    [
      'description',
      { reference: 'X', amountMinor: 1, description: 'd'.repeat(501) },
      ErrorCodes.LINE_INVALID_DESCRIPTION,
    ],
    ['zero amount', { reference: 'X', amountMinor: 0, description: '' }, ErrorCodes.LINE_NON_POSITIVE_AMOUNT],
    [
      'fractional amount',
      { reference: 'X', amountMinor: 0.5, description: '' },
      ErrorCodes.MONEY_INVALID_AMOUNT,
    ],
  ])('rejects an invalid line (%s) and says which one', (_label, badLine, code) => {
    const e = expectDomainError(
      () =>
        Payment.create({
          ...baseProps(),
          lines: [{ reference: 'OK', amountMinor: 1, description: '' }, badLine],
        }),
      code,
    );
    expect(e.details).toMatchObject({ lineIndex: 1 });
    expect(e.message).toMatch(/^Line 1: /);
  });

  it('rejects duplicate line references (after trimming)', () => {
    const e = expectDomainError(
      () =>
        Payment.create({
          ...baseProps(),
          lines: [
            { reference: 'A', amountMinor: 1, description: '' },
            { reference: 'B', amountMinor: 1, description: '' },
            { reference: ' A', amountMinor: 2, description: '' },
          ],
        }),
      ErrorCodes.PAYMENT_DUPLICATE_LINE_REFERENCE,
    );
    expect(e.details).toEqual({ reference: 'A', lineIndex: 2, firstIndex: 0 });
  });

  it('treats references case-sensitively', () => {
    const payment = Payment.create({
      ...baseProps(),
      lines: [
        { reference: 'a', amountMinor: 1, description: '' },
        { reference: 'A', amountMinor: 1, description: '' },
      ],
    });
    expect(payment.total.amountMinor).toBe(2);
  });

  it('checks a declared total against the lines', () => {
    expect(Payment.create({ ...baseProps(), declaredTotalMinor: 3550 }).total.amountMinor).toBe(3550);
    const e = expectDomainError(
      () => Payment.create({ ...baseProps(), declaredTotalMinor: 3549 }),
      ErrorCodes.PAYMENT_TOTAL_MISMATCH,
    );
    expect(e.details).toEqual({ declaredTotalMinor: 3549, computedTotalMinor: 3550, currency: 'COP' });
  });

  it('enforces an optional maximum (inclusive)', () => {
    expect(Payment.create({ ...baseProps(), maxAmountMinor: 3550 }).total.amountMinor).toBe(3550);
    const e = expectDomainError(
      () => Payment.create({ ...baseProps(), maxAmountMinor: 3549 }),
      ErrorCodes.PAYMENT_ABOVE_MAXIMUM,
    );
    expect(e.details).toEqual({ totalMinor: 3550, maxAmountMinor: 3549, currency: 'COP' });
  });

  it('enforces a per-currency maximum (PAYOUT_MAXIMUMS, PAYMENT_MAX_AMOUNT_MINOR as the fallback)', () => {
    const maximums = PayoutMaximums.create({ COP: 3550 }, 10);
    expect(Payment.create({ ...baseProps(), maxAmountMinor: maximums }).total.amountMinor).toBe(3550);
    const e = expectDomainError(
      () => Payment.create({ ...baseProps(), maxAmountMinor: PayoutMaximums.create({ COP: 3549 }, 1e9) }),
      ErrorCodes.PAYMENT_ABOVE_MAXIMUM,
    );
    expect(e.details).toEqual({ totalMinor: 3550, maxAmountMinor: 3549, currency: 'COP' });
    expectDomainError(
      () => Payment.create({ ...baseProps(), maxAmountMinor: PayoutMaximums.create({ USD: 1e9 }, 3549) }),
      ErrorCodes.PAYMENT_ABOVE_MAXIMUM,
    );
  });

  it('rejects a total beyond the safe integer range', () => {
    expectDomainError(
      () =>
        Payment.create({
          ...baseProps(),
          lines: [
            { reference: 'A', amountMinor: Number.MAX_SAFE_INTEGER, description: '' },
            { reference: 'B', amountMinor: 1, description: '' },
          ],
        }),
      ErrorCodes.MONEY_OVERFLOW,
    );
  });
});

describe('Payment snapshots', () => {
  it('round-trips through fromSnapshot without emitting events', () => {
    const s = snapshot({
      status: 'REFUNDED',
      approvedBy: 'bob',
      decidedBy: 'carol',
      reason: 'duplicate',
      payoutReference: 'po-1',
      refundReference: 'rf-1',
      updatedAt: T1.toISOString(),
      version: 7,
    });
    const payment = Payment.fromSnapshot(s);
    expect(payment.toSnapshot()).toEqual(s);
    expect(payment.pullEvents()).toEqual([]);
    expect(payment.version).toBe(7);
    expect(payment.approvedBy).toBe('bob');
    expect(payment.createdBy).toBe('alice');
  });

  it('does not share mutable state with snapshots', () => {
    const s = snapshot();
    const payment = Payment.fromSnapshot(s);
    s.lines.push({ reference: 'X', amountMinor: 1, description: '' });
    const out = payment.toSnapshot();
    out.lines.length = 0;
    expect(payment.toSnapshot().lines).toHaveLength(2);
  });

  it('refuses a snapshot with an unknown status', () => {
    expect(() => Payment.fromSnapshot(snapshot({ status: 'LOST' as PaymentStatus }))).toThrow(
      /unknown status/,
    );
  });
});

type Operation =
  | 'requestApproval'
  | 'approve'
  | 'reject'
  | 'startProcessing'
  | 'complete'
  | 'fail'
  | 'cancel'
  | 'refund'
  | 'markPayoutUnknown'
  | 'compensationFailed'
  | 'returnedByBank';

const OPERATIONS: Record<
  Operation,
  { run: (p: Payment) => void; to: PaymentStatus; event: PaymentEventType }
> = {
  requestApproval: {
    run: (p) => p.requestApproval(T1),
    to: 'AWAITING_APPROVAL',
    event: 'PaymentAwaitingApproval',
  },
  approve: { run: (p) => p.approve('bob', T1), to: 'AWAITING_APPROVAL', event: 'PaymentApproved' },
  reject: { run: (p) => p.reject('bob', 'too high', T1), to: 'REJECTED', event: 'PaymentRejected' },
  startProcessing: { run: (p) => p.startProcessing(T1), to: 'PROCESSING', event: 'PaymentProcessing' },
  complete: { run: (p) => p.complete('payout-42', T1), to: 'COMPLETED', event: 'PaymentCompleted' },
  fail: { run: (p) => p.fail('bank_down', T1), to: 'FAILED', event: 'PaymentFailed' },
  cancel: { run: (p) => p.cancel('carol', 'changed mind', T1), to: 'CANCELLED', event: 'PaymentCancelled' },
  refund: {
    run: (p) => p.refund('carol', 'refund-7', 'chargeback', T1),
    to: 'REFUNDED',
    event: 'PaymentRefunded',
  },
  markPayoutUnknown: {
    run: (p) => p.markPayoutUnknown('timed out', T1),
    to: 'PAYOUT_UNKNOWN',
    event: 'PaymentPayoutUnknown',
  },
  compensationFailed: {
    run: (p) => p.compensationFailed('payout-42', 'refund refused', T1),
    to: 'COMPENSATION_FAILED',
    event: 'PaymentCompensationFailed',
  },
  returnedByBank: {
    run: (p) =>
      p.returnedByBank(
        { returnCode: 'AC04', reason: 'AC04 account closed', entryRef: 'E-1', commissionsReleased: 2 },
        T1,
      ),
    to: 'RETURNED',
    event: 'PaymentReturned',
  },
};

/** 'AWAITING_APPROVAL+approved' is AWAITING_APPROVAL with approvedBy set: same status, different rules. */
type Row = PaymentStatus | 'AWAITING_APPROVAL+approved';
const ROWS: Row[] = [...PAYMENT_STATUSES, 'AWAITING_APPROVAL+approved'];

const ok = (status: PaymentStatus) => ({ ok: status }) as const;
const err = (code: string) => ({ err: code }) as const;
type Outcome = ReturnType<typeof ok> | ReturnType<typeof err>;

const INVALID = err(ErrorCodes.PAYMENT_INVALID_TRANSITION);
const NOT_AWAITING = err(ErrorCodes.PAYMENT_NOT_AWAITING_APPROVAL);
const NOT_CANCELLABLE = err(ErrorCodes.PAYMENT_NOT_CANCELLABLE);
const NOT_REFUNDABLE = err(ErrorCodes.PAYMENT_NOT_REFUNDABLE);
const RETURNED = err(ErrorCodes.PAYMENT_RETURNED);

/** The complete state machine: every status × every operation. */
const TABLE: Record<Row, Record<Operation, Outcome>> = {
  PENDING: {
    requestApproval: ok('AWAITING_APPROVAL'),
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: ok('PROCESSING'),
    complete: INVALID,
    fail: INVALID,
    cancel: ok('CANCELLED'),
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  AWAITING_APPROVAL: {
    requestApproval: INVALID,
    approve: ok('AWAITING_APPROVAL'),
    reject: ok('REJECTED'),
    startProcessing: INVALID, // not approved yet
    complete: INVALID,
    fail: INVALID,
    cancel: ok('CANCELLED'),
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  'AWAITING_APPROVAL+approved': {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: ok('PROCESSING'),
    complete: INVALID,
    fail: INVALID,
    cancel: ok('CANCELLED'),
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  PROCESSING: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: ok('COMPLETED'),
    fail: ok('FAILED'),
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: ok('PAYOUT_UNKNOWN'),
    compensationFailed: ok('COMPENSATION_FAILED'),
    returnedByBank: INVALID,
  },
  COMPLETED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: ok('REFUNDED'),
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: ok('RETURNED'),
  },
  FAILED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  REJECTED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  CANCELLED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  REFUNDED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  PAYOUT_UNKNOWN: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: ok('COMPLETED'),
    fail: ok('FAILED'),
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: ok('COMPENSATION_FAILED'),
    returnedByBank: INVALID,
  },
  COMPENSATION_FAILED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: NOT_REFUNDABLE,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: INVALID,
  },
  // Final: the money is back from the bank; refunding it or returning it again would count it twice.
  RETURNED: {
    requestApproval: INVALID,
    approve: NOT_AWAITING,
    reject: NOT_AWAITING,
    startProcessing: INVALID,
    complete: INVALID,
    fail: INVALID,
    cancel: NOT_CANCELLABLE,
    refund: RETURNED,
    markPayoutUnknown: INVALID,
    compensationFailed: INVALID,
    returnedByBank: RETURNED,
  },
};

const paymentIn = (row: Row): Payment =>
  row === 'AWAITING_APPROVAL+approved'
    ? Payment.fromSnapshot(snapshot({ status: 'AWAITING_APPROVAL', approvedBy: 'bob', decidedBy: 'bob' }))
    : Payment.fromSnapshot(snapshot({ status: row }));

const cases = ROWS.flatMap((row) =>
  (Object.keys(OPERATIONS) as Operation[]).map((op) => [row, op, TABLE[row][op]] as const),
);

describe('Payment state machine', () => {
  it('covers all 11 statuses and all operations', () => {
    expect(new Set(cases.map(([row]) => row)).size).toBe(PAYMENT_STATUSES.length + 1);
    expect(PAYMENT_STATUSES).toHaveLength(11);
    expect(cases).toHaveLength((PAYMENT_STATUSES.length + 1) * Object.keys(OPERATIONS).length);
  });

  describe.each(cases.filter(([, , outcome]) => 'ok' in outcome))('legal: %s → %s', (row, op, outcome) => {
    it(`moves to ${'ok' in outcome ? outcome.ok : ''}, bumps version, records exactly one event`, () => {
      const payment = paymentIn(row);
      const before = payment.toSnapshot();
      OPERATIONS[op].run(payment);
      const after = payment.toSnapshot();

      expect('ok' in outcome && after.status).toBe('ok' in outcome && outcome.ok);
      expect(after.status).toBe(OPERATIONS[op].to);
      expect(after.version).toBe(before.version + 1);
      expect(after.updatedAt).toBe(T1.toISOString());
      expect(after.createdAt).toBe(before.createdAt);
      expect(after.totalMinor).toBe(before.totalMinor);
      expect(after.lines).toEqual(before.lines);

      const events = payment.pullEvents();
      expect(events).toHaveLength(1);
      const [event] = events as [PaymentDomainEvent];
      expect(event.type).toBe(OPERATIONS[op].event);
      expect(event.id).toMatch(UUID);
      expect(event.occurredAt).toBe(T1.toISOString());
      expect(event.aggregate).toEqual({ type: 'Payment', id: 'pay-1' });
      expect(event.partnerId).toBe('partner-1');
      expect(event.data).toMatchObject({
        paymentId: 'pay-1',
        partnerId: 'partner-1',
        status: after.status,
        amountMinor: 3550,
        currency: 'COP',
        version: after.version,
      });
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    });
  });

  describe.each(cases.filter(([, , outcome]) => 'err' in outcome))('illegal: %s → %s', (row, op, outcome) => {
    it(`throws ${'err' in outcome ? outcome.err : ''} and changes nothing`, () => {
      const payment = paymentIn(row);
      const before = payment.toSnapshot();
      const code = 'err' in outcome ? outcome.err : 'unreachable';
      const e = expectDomainError(() => OPERATIONS[op].run(payment), code);

      if (code === ErrorCodes.PAYMENT_INVALID_TRANSITION) {
        expect(e.details).toMatchObject({ from: before.status, to: OPERATIONS[op].to });
      }
      if (
        code === ErrorCodes.PAYMENT_NOT_CANCELLABLE ||
        code === ErrorCodes.PAYMENT_NOT_REFUNDABLE ||
        code === ErrorCodes.PAYMENT_RETURNED
      ) {
        expect(e.details).toEqual({ status: before.status });
      }
      if (code === ErrorCodes.PAYMENT_NOT_AWAITING_APPROVAL) {
        expect(e.details).toMatchObject({ status: before.status });
      }
      expect(payment.toSnapshot()).toEqual(before);
      expect(payment.pullEvents()).toEqual([]);
    });
  });
});

describe('Payment transitions in detail', () => {
  it('approve records approver and decider, stays AWAITING_APPROVAL', () => {
    const payment = paymentIn('AWAITING_APPROVAL');
    payment.approve('bob', T1);
    expect(payment.status).toBe('AWAITING_APPROVAL');
    expect(payment.isApproved()).toBe(true);
    expect(payment.toSnapshot()).toMatchObject({ approvedBy: 'bob', decidedBy: 'bob' });
    expect(payment.pullEvents()[0]?.data).toMatchObject({ actor: 'bob', status: 'AWAITING_APPROVAL' });
  });

  it('approve by the creator violates four-eyes and changes nothing', () => {
    const payment = paymentIn('AWAITING_APPROVAL');
    const before = payment.toSnapshot();
    const e = expectDomainError(() => payment.approve('alice', T1), ErrorCodes.PAYMENT_FOUR_EYES_VIOLATION);
    expect(e.details).toEqual({ actor: 'alice', createdBy: 'alice' });
    expect(payment.toSnapshot()).toEqual(before);
    expect(payment.pullEvents()).toEqual([]);
  });

  it('status checks come before the four-eyes check', () => {
    expectDomainError(
      () => paymentIn('PENDING').approve('alice', T1),
      ErrorCodes.PAYMENT_NOT_AWAITING_APPROVAL,
    );
  });

  it('reject records decider and reason (system timeout)', () => {
    const payment = paymentIn('AWAITING_APPROVAL');
    payment.reject('system', 'approval_timeout', T1);
    expect(payment.toSnapshot()).toMatchObject({
      status: 'REJECTED',
      decidedBy: 'system',
      reason: 'approval_timeout',
      approvedBy: null,
    });
    expect(payment.pullEvents()[0]?.data).toMatchObject({ actor: 'system', reason: 'approval_timeout' });
    expect(payment.isFinal()).toBe(true);
  });

  it('the creator may reject their own payment', () => {
    const payment = paymentIn('AWAITING_APPROVAL');
    payment.reject('alice', 'typo', T1);
    expect(payment.status).toBe('REJECTED');
  });

  it('startProcessing without approval explains why', () => {
    const e = expectDomainError(
      () => paymentIn('AWAITING_APPROVAL').startProcessing(T1),
      ErrorCodes.PAYMENT_INVALID_TRANSITION,
    );
    expect(e.details).toEqual({ from: 'AWAITING_APPROVAL', to: 'PROCESSING', reason: 'not_approved' });
  });

  it('complete records the payout reference', () => {
    const payment = paymentIn('PROCESSING');
    payment.complete('payout-42', T1);
    expect(payment.toSnapshot()).toMatchObject({ status: 'COMPLETED', payoutReference: 'payout-42' });
    expect(payment.pullEvents()[0]?.data).toMatchObject({ payoutReference: 'payout-42' });
    expect(payment.isFinal()).toBe(false); // settled, but still refundable
  });

  it('fail records the reason', () => {
    const payment = paymentIn('PROCESSING');
    payment.fail('bank_down', T1);
    expect(payment.toSnapshot()).toMatchObject({ status: 'FAILED', reason: 'bank_down' });
    expect(payment.pullEvents()[0]?.data).toMatchObject({ reason: 'bank_down' });
    expect(payment.isFinal()).toBe(true);
  });

  it('cuts a failure reason carrying long upstream text to PAYMENT_REASON_MAX_LENGTH characters', () => {
    const payment = paymentIn('PROCESSING');
    payment.fail(`BANK.DECLINED: ${'é'.repeat(5000)}`, T1);
    const { reason } = payment.toSnapshot();
    expect(Array.from(reason!)).toHaveLength(PAYMENT_REASON_MAX_LENGTH);
    expect(reason).toMatch(/^BANK\.DECLINED: é+…$/);
    expect(payment.pullEvents()[0]?.data).toMatchObject({ reason });
  });

  it('cancel records decider and (possibly null) reason', () => {
    const payment = paymentIn('PENDING');
    payment.cancel('carol', null, T1);
    expect(payment.toSnapshot()).toMatchObject({ status: 'CANCELLED', decidedBy: 'carol', reason: null });
    expect(payment.pullEvents()[0]?.data).toMatchObject({ actor: 'carol', reason: null });
  });

  it('cancel of an approved payment keeps the approver but records the canceller', () => {
    const payment = paymentIn('AWAITING_APPROVAL+approved');
    payment.cancel('carol', 'wrong partner', T1);
    expect(payment.toSnapshot()).toMatchObject({
      status: 'CANCELLED',
      approvedBy: 'bob',
      decidedBy: 'carol',
      reason: 'wrong partner',
    });
  });

  it('refund records decider, refund reference and reason; keeps the payout reference', () => {
    const payment = Payment.fromSnapshot(snapshot({ status: 'COMPLETED', payoutReference: 'payout-42' }));
    payment.refund('carol', 'refund-7', 'chargeback', T1);
    expect(payment.toSnapshot()).toMatchObject({
      status: 'REFUNDED',
      decidedBy: 'carol',
      refundReference: 'refund-7',
      reason: 'chargeback',
      payoutReference: 'payout-42',
    });
    expect(payment.pullEvents()[0]?.data).toMatchObject({
      actor: 'carol',
      refundReference: 'refund-7',
      reason: 'chargeback',
    });
  });

  it('a return by the bank records the code, the entry and the released commissions; the reason is bounded', () => {
    const payment = Payment.fromSnapshot(snapshot({ status: 'COMPLETED', payoutReference: 'payout-42' }));
    payment.returnedByBank(
      { returnCode: 'AC04', reason: `AC04 ${'x'.repeat(2000)}`, entryRef: 'E-9', commissionsReleased: 3 },
      T1,
    );
    const s = payment.toSnapshot();
    expect(s).toMatchObject({ status: 'RETURNED', payoutReference: 'payout-42' });
    expect(Array.from(s.reason ?? '')).toHaveLength(PAYMENT_REASON_MAX_LENGTH);
    expect(payment.pullEvents()[0]?.data).toMatchObject({
      status: 'RETURNED',
      returnCode: 'AC04',
      entryRef: 'E-9',
      commissionsReleased: 3,
    });
  });

  it.each<[PaymentStatus, boolean]>([
    ['PENDING', false],
    ['AWAITING_APPROVAL', false],
    ['PROCESSING', false],
    ['COMPLETED', false],
    ['FAILED', true],
    ['REJECTED', true],
    ['CANCELLED', true],
    ['REFUNDED', true],
    ['RETURNED', true],
    // Waiting for the bank's answer, or for an operator: not over.
    ['PAYOUT_UNKNOWN', false],
    ['COMPENSATION_FAILED', false],
  ])('isFinal(%s) is %p', (status, final) => {
    expect(Payment.fromSnapshot(snapshot({ status })).isFinal()).toBe(final);
  });
});

describe('Payment lifecycles', () => {
  it('happy path without approval: events in order, version counts transitions', () => {
    const payment = Payment.create(baseProps());
    payment.startProcessing(T1);
    payment.complete('payout-1', T1);
    payment.refund('carol', 'refund-1', null, T1);
    const events = payment.pullEvents();
    expect(events.map((e) => e.type)).toEqual([
      'PaymentCreated',
      'PaymentProcessing',
      'PaymentCompleted',
      'PaymentRefunded',
    ]);
    expect(events.map((e) => e.data.version)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    expect(payment.toSnapshot().version).toBe(4);
    expect(payment.pullEvents()).toEqual([]);
  });

  it('approval path', () => {
    const payment = Payment.create(baseProps());
    payment.requestApproval(T1);
    payment.approve('bob', T1);
    payment.startProcessing(T1);
    payment.fail('insufficient_funds', T1);
    expect(payment.pullEvents().map((e) => [e.type, e.data.status])).toEqual([
      ['PaymentCreated', 'PENDING'],
      ['PaymentAwaitingApproval', 'AWAITING_APPROVAL'],
      ['PaymentApproved', 'AWAITING_APPROVAL'],
      ['PaymentProcessing', 'PROCESSING'],
      ['PaymentFailed', 'FAILED'],
    ]);
    expect(payment.toSnapshot()).toMatchObject({
      status: 'FAILED',
      approvedBy: 'bob',
      decidedBy: 'bob',
      reason: 'insufficient_funds',
      version: 5,
    });
  });

  it('events survive a snapshot round trip only as state, not as pending events', () => {
    const payment = Payment.create(baseProps());
    const rehydrated = Payment.fromSnapshot(payment.toSnapshot());
    expect(rehydrated.pullEvents()).toEqual([]);
    expect(payment.pullEvents()).toHaveLength(1);
  });

  it('pulled events are plain DomainEvents the generic event log accepts', () => {
    // Compile-time check as much as a runtime one: PaymentDomainEvent[] must widen to DomainEvent[].
    const generic: DomainEvent[] = Payment.create(baseProps()).pullEvents();
    expect(generic[0]?.data['paymentId']).toBe('pay-1');
  });

  it('knows all event types', () => {
    expect([...PAYMENT_EVENT_TYPES].sort()).toEqual(
      [...new Set(Object.values(OPERATIONS).map((o) => o.event)), 'PaymentCreated'].sort(),
    );
  });
});

describe('settlement payouts with clawbacks', () => {
  const settlementLines = [
    { reference: 'ORD-1', amountMinor: 5000, description: 'order 1' },
    { reference: 'ORD-0:clawback', amountMinor: -1200, description: 'clawback of order 0' },
  ];

  it('nets clawback lines against the commissions and keeps their sign through a snapshot', () => {
    const payment = Payment.create({ ...baseProps(), lines: settlementLines, allowClawbacks: true });
    expect(payment.total.amountMinor).toBe(3800);
    expect(payment.lines.map((l) => [l.isClawback, l.signedAmountMinor])).toEqual([
      [false, 5000],
      [true, -1200],
    ]);
    const again = Payment.fromSnapshot(payment.toSnapshot());
    expect(again.toSnapshot().lines).toEqual(settlementLines);
    expect(again.total.amountMinor).toBe(3800);
  });

  it('refuses a negative line on a payment typed in by hand', () => {
    expectDomainError(
      () => Payment.create({ ...baseProps(), lines: settlementLines }),
      ErrorCodes.LINE_NON_POSITIVE_AMOUNT,
    );
  });

  it('refuses a payout whose clawbacks eat the whole amount', () => {
    expectDomainError(
      () =>
        Payment.create({
          ...baseProps(),
          allowClawbacks: true,
          lines: [settlementLines[0]!, { reference: 'ORD-9:clawback', amountMinor: -5000, description: '' }],
        }),
      ErrorCodes.PAYMENT_NON_POSITIVE_TOTAL,
    );
  });
});

describe('unknown payout outcomes and failed compensations', () => {
  it('parks a payout whose outcome is unknown with the reason, then takes the bank’s answer', () => {
    const payment = Payment.fromSnapshot(snapshot({ status: 'PROCESSING' }));
    payment.markPayoutUnknown('timed out after 24h', T1);
    expect(payment.toSnapshot()).toMatchObject({ status: 'PAYOUT_UNKNOWN', reason: 'timed out after 24h' });
    expect(payment.pullEvents()[0]?.data).toMatchObject({
      status: 'PAYOUT_UNKNOWN',
      reason: 'timed out after 24h',
    });
    payment.complete('payout-42', T1);
    expect(payment.toSnapshot()).toMatchObject({ status: 'COMPLETED', payoutReference: 'payout-42' });
  });

  it('records which payout could not be given back, and why', () => {
    const payment = Payment.fromSnapshot(snapshot({ status: 'PROCESSING' }));
    payment.compensationFailed('payout-42', 'REFUND_NOT_ALLOWED: refused', T1);
    expect(payment.toSnapshot()).toMatchObject({
      status: 'COMPENSATION_FAILED',
      payoutReference: 'payout-42',
      reason: 'REFUND_NOT_ALLOWED: refused',
    });
    expect(payment.pullEvents()[0]).toMatchObject({
      type: 'PaymentCompensationFailed',
      data: { payoutReference: 'payout-42', reason: 'REFUND_NOT_ALLOWED: refused' },
    });
  });
});
