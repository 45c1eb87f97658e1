import { CommissionLine, type CommissionLineProps } from './commission-line.value-object';
import { Currency } from './currency.value-object';
import { newEventId } from './domain-event';
import { DomainError, ErrorCodes, isDomainError } from './domain-error';
import { Money } from './money.value-object';
import { maximumOf, type PaymentMaximum } from './payout-maximums.value-object';
import type { PaymentDomainEvent, PaymentEventData, PaymentEventType } from './payment-events';
import { FINAL_PAYMENT_STATUSES, isPaymentStatus, type PaymentStatus } from './payment-status';

/**
 * A reason is at most this many characters. Decisions bring their own (500 at the API); failure
 * reasons carry upstream text (the bank's, the database's), so they are cut to fit.
 */
export const PAYMENT_REASON_MAX_LENGTH = 1000;

const boundedReason = (reason: string): string => {
  const chars = Array.from(reason);
  return chars.length <= PAYMENT_REASON_MAX_LENGTH
    ? reason
    : `${chars.slice(0, PAYMENT_REASON_MAX_LENGTH - 1).join('')}…`;
};

export interface PaymentSnapshot {
  id: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  lines: CommissionLineProps[];
  status: PaymentStatus;
  createdBy: string;
  approvedBy: string | null;
  /** Who approved / rejected / cancelled / refunded last. */
  decidedBy: string | null;
  /** Rejection / failure / cancellation / refund reason. */
  reason: string | null;
  payoutReference: string | null;
  refundReference: string | null;
  createdAt: string;
  updatedAt: string;
  /** Starts at 1 and increases on every state change; used for optimistic locking. */
  version: number;
}

export interface CreatePaymentProps {
  id: string;
  partnerId: string;
  currency: string;
  /** Lines may carry their own `currency` (e.g. raw uploads); it must match the payment's. */
  lines: ReadonlyArray<CommissionLineProps & { currency?: string }>;
  createdBy: string;
  /** If given, must equal the sum of the lines (guards against client-side arithmetic errors). */
  declaredTotalMinor?: number;
  /** A settlement payout: clawbacks come as negative lines, and only the net must be positive. */
  allowClawbacks?: boolean;
  /** If given, a total above it is refused: one number, or per currency (PAYOUT_MAXIMUMS). */
  maxAmountMinor?: PaymentMaximum;
  now: Date;
}

/** The snapshot, with the total and the lines as value objects. */
type PaymentState = Omit<PaymentSnapshot, 'currency' | 'totalMinor' | 'lines'> & {
  total: Money;
  lines: readonly CommissionLine[];
};

type EventExtras = Omit<
  PaymentEventData,
  'paymentId' | 'partnerId' | 'status' | 'amountMinor' | 'currency' | 'version'
>;

/**
 * A partner commission payout. Lifecycle:
 *
 *   PENDING ──requestApproval──▶ AWAITING_APPROVAL ──approve──▶ (approved) ──startProcessing──▶ PROCESSING
 *   PENDING ──startProcessing──▶ PROCESSING ──complete──▶ COMPLETED ──refund──▶ REFUNDED
 *                                PROCESSING ──fail──▶ FAILED
 *   COMPLETED ──returnedByBank──▶ RETURNED (the bank sent the money back; commissions owed again)
 *   PROCESSING ──markPayoutUnknown──▶ PAYOUT_UNKNOWN ──complete / fail (the bank's answer)──▶ COMPLETED / FAILED
 *   PROCESSING | PAYOUT_UNKNOWN ──compensationFailed──▶ COMPENSATION_FAILED (paid, not given back: operators act)
 *   AWAITING_APPROVAL ──reject──▶ REJECTED;  PENDING | AWAITING_APPROVAL ──cancel──▶ CANCELLED
 *
 * Every state change bumps `version`, sets `updatedAt` and records exactly one event.
 */
export class Payment {
  private pending: PaymentDomainEvent[] = [];

  private constructor(private state: PaymentState) {}

  static create(props: CreatePaymentProps): Payment {
    const currency = Currency.of(props.currency).code;
    if (!Array.isArray(props.lines) || props.lines.length === 0) {
      throw new DomainError(ErrorCodes.PAYMENT_NO_LINES, 'A payment needs at least one commission line');
    }

    const seen = new Map<string, number>();
    const lines = props.lines.map((raw, lineIndex) => {
      if (raw.currency !== undefined && raw.currency !== currency) {
        throw new DomainError(
          ErrorCodes.PAYMENT_LINE_CURRENCY_MISMATCH,
          `Line ${lineIndex} is in ${String(raw.currency)}, payment is in ${currency}`,
          { lineIndex, expected: currency, actual: raw.currency },
        );
      }
      const line = Payment.createLine(raw, currency, lineIndex, props.allowClawbacks === true);
      const firstIndex = seen.get(line.reference);
      if (firstIndex !== undefined) {
        // Duplicate references would pay the same commission twice.
        throw new DomainError(
          ErrorCodes.PAYMENT_DUPLICATE_LINE_REFERENCE,
          `Line reference "${line.reference}" appears more than once`,
          { reference: line.reference, lineIndex, firstIndex },
        );
      }
      seen.set(line.reference, lineIndex);
      return line;
    });

    const total = Payment.netOf(lines, currency);
    if (props.declaredTotalMinor != null && props.declaredTotalMinor !== total.amountMinor) {
      throw new DomainError(
        ErrorCodes.PAYMENT_TOTAL_MISMATCH,
        `Declared total ${props.declaredTotalMinor} does not match the sum of the lines ${total.amountMinor}`,
        { declaredTotalMinor: props.declaredTotalMinor, computedTotalMinor: total.amountMinor, currency },
      );
    }
    const maxAmountMinor =
      props.maxAmountMinor == null ? undefined : maximumOf(props.maxAmountMinor, currency);
    if (maxAmountMinor !== undefined && total.amountMinor > maxAmountMinor) {
      throw new DomainError(
        ErrorCodes.PAYMENT_ABOVE_MAXIMUM,
        `Total ${total.amountMinor} exceeds the maximum ${maxAmountMinor} (${currency} minor units)`,
        { totalMinor: total.amountMinor, maxAmountMinor, currency },
      );
    }

    const at = props.now.toISOString();
    const payment = new Payment({
      id: props.id,
      partnerId: props.partnerId,
      total,
      lines,
      status: 'PENDING',
      createdBy: props.createdBy,
      approvedBy: null,
      decidedBy: null,
      reason: null,
      payoutReference: null,
      refundReference: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    payment.record('PaymentCreated', at, {
      createdBy: props.createdBy,
      lines: lines.map((line) => line.toProps()),
    });
    return payment;
  }

  /** Rehydrates persisted state; records no events. Unknown statuses indicate corrupt data, hence a plain Error. */
  static fromSnapshot(s: PaymentSnapshot): Payment {
    if (!isPaymentStatus(s.status)) {
      throw new Error(`Corrupt payment snapshot ${s.id}: unknown status ${String(s.status)}`);
    }
    const lines = s.lines.map((line) => CommissionLine.create(line, s.currency, { allowClawback: true }));
    return new Payment({
      id: s.id,
      partnerId: s.partnerId,
      total: Money.of(s.totalMinor, s.currency),
      lines,
      status: s.status,
      createdBy: s.createdBy,
      approvedBy: s.approvedBy,
      decidedBy: s.decidedBy,
      reason: s.reason,
      payoutReference: s.payoutReference,
      refundReference: s.refundReference,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      version: s.version,
    });
  }

  get id(): string {
    return this.state.id;
  }
  get partnerId(): string {
    return this.state.partnerId;
  }
  get status(): PaymentStatus {
    return this.state.status;
  }
  get total(): Money {
    return this.state.total;
  }
  get currency(): string {
    return this.state.total.currency;
  }
  get lines(): readonly CommissionLine[] {
    return this.state.lines;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get approvedBy(): string | null {
    return this.state.approvedBy;
  }
  get version(): number {
    return this.state.version;
  }

  /** Approved by a second person and waiting only for processing to start. */
  isApproved(): boolean {
    return this.state.approvedBy !== null;
  }

  isFinal(): boolean {
    return FINAL_PAYMENT_STATUSES.includes(this.state.status);
  }

  requestApproval(now: Date): void {
    this.assertTransition(['PENDING'], 'AWAITING_APPROVAL');
    this.apply('AWAITING_APPROVAL', now, {}, 'PaymentAwaitingApproval', {});
  }

  /** Records the approval; the status only moves on with startProcessing so the workflow drives the payout. */
  approve(actor: string, now: Date): void {
    this.assertAwaitingDecision('approve');
    if (actor === this.state.createdBy) {
      // Four-eyes principle: whoever created a payment may not approve it.
      throw new DomainError(
        ErrorCodes.PAYMENT_FOUR_EYES_VIOLATION,
        'The creator of a payment cannot approve it',
        {
          actor,
          createdBy: this.state.createdBy,
        },
      );
    }
    this.apply('AWAITING_APPROVAL', now, { approvedBy: actor, decidedBy: actor }, 'PaymentApproved', {
      actor,
    });
  }

  /** Also used by the system on approval timeout (actor 'system', reason 'approval_timeout'). */
  reject(actor: string, reason: string, now: Date): void {
    this.assertAwaitingDecision('reject');
    this.apply('REJECTED', now, { decidedBy: actor, reason }, 'PaymentRejected', { actor, reason });
  }

  startProcessing(now: Date): void {
    this.assertTransition(['PENDING', 'AWAITING_APPROVAL'], 'PROCESSING');
    if (this.state.status === 'AWAITING_APPROVAL' && !this.isApproved()) {
      throw new DomainError(
        ErrorCodes.PAYMENT_INVALID_TRANSITION,
        'Payment cannot be processed before it is approved',
        { from: this.state.status, to: 'PROCESSING', reason: 'not_approved' },
      );
    }
    this.apply('PROCESSING', now, {}, 'PaymentProcessing', {});
  }

  /** From PAYOUT_UNKNOWN only once the bank has said it paid (the janitor asked it). */
  complete(payoutReference: string, now: Date): void {
    this.assertTransition(['PROCESSING', 'PAYOUT_UNKNOWN'], 'COMPLETED');
    this.apply('COMPLETED', now, { payoutReference }, 'PaymentCompleted', { payoutReference });
  }

  /** From PAYOUT_UNKNOWN only once the bank has said it did not pay and never will. */
  fail(failure: string, now: Date): void {
    this.assertTransition(['PROCESSING', 'PAYOUT_UNKNOWN'], 'FAILED');
    const reason = boundedReason(failure);
    this.apply('FAILED', now, { reason }, 'PaymentFailed', { reason });
  }

  /**
   * The payout request may or may not have been executed (timeouts, a lost answer): failing it on a
   * guess could leave a paid partner marked unpaid, and retrying it under a new key could pay twice.
   * The payment waits, visibly, until the bank is asked by the payout's idempotency key.
   */
  markPayoutUnknown(failure: string, now: Date): void {
    this.assertTransition(['PROCESSING'], 'PAYOUT_UNKNOWN');
    const reason = boundedReason(failure);
    this.apply('PAYOUT_UNKNOWN', now, { reason }, 'PaymentPayoutUnknown', { reason });
  }

  /**
   * The payout went out, a later step failed, and giving the money back failed too. Neither
   * COMPLETED nor FAILED would be true: the payment says so until an operator settles it by hand.
   */
  compensationFailed(payoutReference: string, failure: string, now: Date): void {
    this.assertTransition(['PROCESSING', 'PAYOUT_UNKNOWN'], 'COMPENSATION_FAILED');
    const reason = boundedReason(failure);
    this.apply('COMPENSATION_FAILED', now, { payoutReference, reason }, 'PaymentCompensationFailed', {
      payoutReference,
      reason,
    });
  }

  /** Only before money moves: once PROCESSING, the payout may already be in flight. */
  cancel(actor: string, reason: string | null, now: Date): void {
    const { status } = this.state;
    if (status !== 'PENDING' && status !== 'AWAITING_APPROVAL') {
      throw new DomainError(ErrorCodes.PAYMENT_NOT_CANCELLABLE, `A ${status} payment cannot be cancelled`, {
        status,
      });
    }
    this.apply('CANCELLED', now, { decidedBy: actor, reason }, 'PaymentCancelled', { actor, reason });
  }

  refund(actor: string, refundReference: string, reason: string | null, now: Date): void {
    const { status } = this.state;
    if (status === 'RETURNED') {
      // The money is already back from the bank: refunding it too would take it twice.
      throw new DomainError(
        ErrorCodes.PAYMENT_RETURNED,
        'The bank returned this payment: it cannot be refunded',
        {
          status,
        },
      );
    }
    if (status !== 'COMPLETED') {
      throw new DomainError(ErrorCodes.PAYMENT_NOT_REFUNDABLE, `A ${status} payment cannot be refunded`, {
        status,
      });
    }
    this.apply('REFUNDED', now, { decidedBy: actor, reason, refundReference }, 'PaymentRefunded', {
      actor,
      refundReference,
      reason,
    });
  }

  /**
   * The bank sent the payout back (a camt return). Only a COMPLETED payment can be returned: a
   * returned one was returned already, and any other (refunded, still processing) is a
   * discrepancy an operator must look at, not a transition.
   */
  returnedByBank(
    props: { returnCode: string | null; reason: string; entryRef: string; commissionsReleased: number },
    now: Date,
  ): void {
    const { status } = this.state;
    if (status === 'RETURNED') {
      throw new DomainError(ErrorCodes.PAYMENT_RETURNED, 'The bank returned this payment already', {
        status,
      });
    }
    this.assertTransition(['COMPLETED'], 'RETURNED');
    const reason = boundedReason(props.reason);
    this.apply('RETURNED', now, { reason }, 'PaymentReturned', {
      reason,
      returnCode: props.returnCode,
      entryRef: props.entryRef,
      commissionsReleased: props.commissionsReleased,
    });
  }

  /** Returns the events recorded since the last call, oldest first, and forgets them. */
  pullEvents(): PaymentDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  toSnapshot(): PaymentSnapshot {
    const { id, partnerId, total, lines, ...rest } = this.state;
    return {
      id,
      partnerId,
      currency: total.currency,
      totalMinor: total.amountMinor,
      lines: lines.map((line) => line.toProps()),
      ...rest,
    };
  }

  /** Commissions minus clawbacks; a payout must move money to the partner, never from them. */
  private static netOf(lines: readonly CommissionLine[], currency: string): Money {
    const plain = lines.filter((l) => !l.isClawback);
    if (plain.length === lines.length)
      return Money.sum(
        plain.map((l) => l.amount),
        currency,
      );
    const gross = Money.sum(
      plain.map((l) => l.amount),
      currency,
    ).amountMinor;
    const clawedBack = Money.sum(
      lines.filter((l) => l.isClawback).map((l) => l.amount),
      currency,
    ).amountMinor;
    if (gross - clawedBack <= 0) {
      throw new DomainError(
        ErrorCodes.PAYMENT_NON_POSITIVE_TOTAL,
        `The lines net to ${gross - clawedBack}: a payout must be positive`,
        { grossMinor: gross, clawbacksMinor: -clawedBack, currency },
      );
    }
    return Money.of(gross - clawedBack, currency);
  }

  private static createLine(
    raw: CommissionLineProps,
    currency: string,
    lineIndex: number,
    allowClawback: boolean,
  ): CommissionLine {
    try {
      return CommissionLine.create(raw, currency, { allowClawback });
    } catch (e) {
      // Keep the line's own code but say which line failed, so the API can point at it.
      if (isDomainError(e)) {
        throw new DomainError(e.code, `Line ${lineIndex}: ${e.message}`, { ...e.details, lineIndex });
      }
      throw e;
    }
  }

  private assertTransition(allowedFrom: readonly PaymentStatus[], to: PaymentStatus): void {
    const from = this.state.status;
    if (!allowedFrom.includes(from)) {
      throw new DomainError(
        ErrorCodes.PAYMENT_INVALID_TRANSITION,
        `Cannot move a payment from ${from} to ${to}`,
        {
          from,
          to,
        },
      );
    }
  }

  /** An approved payment is no longer awaiting a decision: a second approve/reject would contradict the first. */
  private assertAwaitingDecision(action: 'approve' | 'reject'): void {
    const { status, approvedBy } = this.state;
    if (status !== 'AWAITING_APPROVAL' || approvedBy !== null) {
      throw new DomainError(
        ErrorCodes.PAYMENT_NOT_AWAITING_APPROVAL,
        approvedBy !== null && status === 'AWAITING_APPROVAL'
          ? `Cannot ${action}: payment was already approved by ${approvedBy}`
          : `Cannot ${action} a ${status} payment`,
        { status, approvedBy, action },
      );
    }
  }

  private apply(
    to: PaymentStatus,
    now: Date,
    patch: Partial<
      Pick<PaymentState, 'approvedBy' | 'decidedBy' | 'reason' | 'payoutReference' | 'refundReference'>
    >,
    type: PaymentEventType,
    extras: EventExtras,
  ): void {
    const at = now.toISOString();
    this.state = { ...this.state, ...patch, status: to, updatedAt: at, version: this.state.version + 1 };
    this.record(type, at, extras);
  }

  private record(type: PaymentEventType, at: string, extras: EventExtras): void {
    const s = this.state;
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'Payment', id: s.id },
      partnerId: s.partnerId,
      data: {
        paymentId: s.id,
        partnerId: s.partnerId,
        status: s.status,
        amountMinor: s.total.amountMinor,
        currency: s.total.currency,
        version: s.version,
        ...extras,
      },
    });
  }
}
