import { newEventId, type DomainEvent } from './domain-event';
import { DomainError, ErrorCodes } from './domain-error';
import { Money } from './money.value-object';
import { codePointLength } from './text-length.util';

export const COMMISSION_KINDS = ['COMMISSION', 'CLAWBACK'] as const;
export type CommissionKind = (typeof COMMISSION_KINDS)[number];

export const COMMISSION_STATUSES = ['PENDING', 'PAYABLE', 'SETTLING', 'SETTLED', 'REVERSED'] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];

export const isCommissionKind = (value: unknown): value is CommissionKind =>
  typeof value === 'string' && (COMMISSION_KINDS as readonly string[]).includes(value);

export const isCommissionStatus = (value: unknown): value is CommissionStatus =>
  typeof value === 'string' && (COMMISSION_STATUSES as readonly string[]).includes(value);

/** 90, so a clawback's reference (+ ':clawback') still fits a payment line's 100-character reference. */
export const COMMISSION_REFERENCE_MAX_LENGTH = 90;
export const COMMISSION_DESCRIPTION_MAX_LENGTH = 500;
export const COMMISSION_REASON_MAX_LENGTH = 500;

/**
 * Appended to the original's externalRef to name its clawback. Reserved: a submitted reference may
 * not end with it, or it could collide with a clawback created later.
 * Stored references can therefore be up to 90 + 9 code points long.
 */
export const CLAWBACK_REFERENCE_SUFFIX = ':clawback';
export const COMMISSION_STORED_REFERENCE_MAX_LENGTH =
  COMMISSION_REFERENCE_MAX_LENGTH + CLAWBACK_REFERENCE_SUFFIX.length;

/** How far in the future an occurredAt may lie: tolerates clock skew, refuses typos like a wrong year. */
export const OCCURRED_AT_MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

export interface CommissionSnapshot {
  id: string;
  /** The reporting system's reference for the conversion; identifies the commission (idempotency key). */
  externalRef: string;
  partnerId: string;
  currency: string;
  /** Positive for COMMISSION, negative for CLAWBACK. */
  amountMinor: number;
  kind: CommissionKind;
  description: string;
  occurredAt: string;
  /** Not payable before this instant (refund window of the conversion). */
  holdUntil: string;
  /** Stored status; PENDING past its hold reads as PAYABLE, see `effectiveStatus`. */
  status: CommissionStatus;
  settlementId: string | null;
  paymentId: string | null;
  reversalReason: string | null;
  reversedBy: string | null;
  /** When the reversal was requested. */
  reversedAt: string | null;
  /** A reversal requested while SETTLING; resolved by `settle` (clawback) or `release` (REVERSED). */
  reversalPending: boolean;
  /** For a CLAWBACK: the externalRef of the commission it takes back. */
  clawbackOf: string | null;
  createdAt: string;
  updatedAt: string;
  /** Starts at 1 and increases on every state change; used for optimistic locking. */
  version: number;
}

/** The body of an accrual request: what must match when the same externalRef is submitted again. */
export interface CommissionRequest {
  externalRef: string;
  partnerId: string;
  currency: string;
  amountMinor: number;
  /** Optional; absent means empty. */
  description?: string;
  /** ISO-8601 with a time zone (`Z` or `±hh:mm`), or a Date. */
  occurredAt: string | Date;
}

export interface CreateCommissionProps extends CommissionRequest {
  id: string;
  /** Hold period after occurredAt before the commission becomes payable. */
  holdMs: number;
  now: Date;
}

export interface ReverseCommissionProps {
  reason: string;
  actor: string;
  now: Date;
  /** Id of the clawback, used only when the commission was already SETTLED. */
  clawbackId: string;
}

export interface ReturnAfterRefundProps {
  /** true: the refunded commission must not be paid again (→ REVERSED); false: → PAYABLE. */
  reverse: boolean;
  actor: string;
  /** Required when `reverse` is true. */
  reason?: string | null;
  now: Date;
}

/** A clawback, when the operation produced one; the caller must persist it with the original. */
export interface ClawbackResult {
  clawback?: Commission;
}

export type CommissionEventType =
  'CommissionReversed' | 'CommissionReversalRequested' | 'CommissionClawbackCreated';

export const COMMISSION_EVENT_TYPES = [
  'CommissionReversed',
  'CommissionReversalRequested',
  'CommissionClawbackCreated',
] as const satisfies readonly CommissionEventType[];

/** A type alias (not an interface) so it stays assignable to the event log's `Record<string, unknown>`. */
export type CommissionEventData = {
  commissionId: string;
  externalRef: string;
  partnerId: string;
  kind: CommissionKind;
  /** Status after the event. */
  status: CommissionStatus;
  amountMinor: number;
  currency: string;
  /** Aggregate version after the event. */
  version: number;
  /** Who asked for the reversal. */
  actor: string;
  reason: string;
  settlementId: string | null;
  paymentId: string | null;
  clawbackId?: string;
  clawbackExternalRef?: string;
  clawbackAmountMinor?: number;
};

export type CommissionDomainEvent = DomainEvent<CommissionEventType, CommissionEventData>;

// Date-time with a mandatory zone: without one, Date.parse reads the value as server-local time.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Epoch milliseconds of a strict ISO-8601 instant (sub-millisecond digits truncated), or null. */
function parseInstant(value: unknown): number | null {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? null : ms;
  }
  if (typeof value !== 'string') return null;
  const match = ISO_INSTANT.exec(value);
  if (!match) return null;
  const [year, month, day, hour] = match.slice(1, 5).map(Number) as [number, number, number, number];
  // Date.parse rejects out-of-range months, minutes, seconds and offsets itself, but rolls
  // 2023-02-29 over into March and accepts 24:00, so those two are checked here.
  const lastDay = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day > lastDay || hour > 23) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** Shortens to `max` code points (not UTF-16 units, so no emoji is cut in half). */
function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : text;
}

function validReference(raw: unknown): string {
  const reference = typeof raw === 'string' ? raw.trim() : '';
  const length = codePointLength(reference);
  if (length < 1 || length > COMMISSION_REFERENCE_MAX_LENGTH) {
    throw new DomainError(
      ErrorCodes.COMMISSION_INVALID_REFERENCE,
      `Commission reference must be 1..${COMMISSION_REFERENCE_MAX_LENGTH} characters`,
      { externalRef: raw },
    );
  }
  if (reference.endsWith(CLAWBACK_REFERENCE_SUFFIX)) {
    throw new DomainError(
      ErrorCodes.COMMISSION_INVALID_REFERENCE,
      `Commission reference may not end with "${CLAWBACK_REFERENCE_SUFFIX}" (reserved for clawbacks)`,
      { externalRef: raw },
    );
  }
  return reference;
}

function validDescription(raw: unknown, externalRef: string): string {
  if (raw === undefined) return '';
  if (typeof raw !== 'string') {
    throw new DomainError(
      ErrorCodes.COMMISSION_INVALID_DESCRIPTION,
      'Commission description must be a string',
      {
        externalRef,
      },
    );
  }
  const description = raw.trim();
  if (codePointLength(description) > COMMISSION_DESCRIPTION_MAX_LENGTH) {
    throw new DomainError(
      ErrorCodes.COMMISSION_INVALID_DESCRIPTION,
      `Commission description must be at most ${COMMISSION_DESCRIPTION_MAX_LENGTH} characters`,
      { externalRef },
    );
  }
  return description;
}

function validReason(raw: unknown, commissionId: string): string {
  const reason = typeof raw === 'string' ? raw.trim() : '';
  const length = codePointLength(reason);
  if (length < 1 || length > COMMISSION_REASON_MAX_LENGTH) {
    throw new DomainError(
      ErrorCodes.COMMISSION_INVALID_REASON,
      `A reversal reason of 1..${COMMISSION_REASON_MAX_LENGTH} characters is required`,
      { commissionId },
    );
  }
  return reason;
}

/** Used when the caller gives no id; callers that may retry should pass a deterministic one. */
const newCommissionId = (): string => globalThis.crypto.randomUUID();

/** Where a new commission (or clawback) starts: in no settlement, no reversal asked. */
const NEITHER_SETTLED_NOR_REVERSED = {
  settlementId: null,
  paymentId: null,
  reversalReason: null,
  reversedBy: null,
  reversedAt: null,
  reversalPending: false,
} as const;

/**
 * One ledger entry: a commission accrued from a conversion, or a clawback taking back a commission
 * that was reversed after it had been paid. Lifecycle:
 *
 *   PENDING ──(hold elapses)──▶ PAYABLE ──claim──▶ SETTLING ──settle──▶ SETTLED
 *   SETTLING ──release──▶ PAYABLE;   SETTLED ──returnAfterRefund──▶ PAYABLE | REVERSED
 *   PENDING | PAYABLE ──reverse──▶ REVERSED
 *   SETTLING ──reverse──▶ SETTLING + reversalPending ──settle──▶ SETTLED + clawback
 *                                                     ──release──▶ REVERSED
 *   SETTLED ──reverse──▶ SETTLED + clawback (the money did go out; the clawback nets it off later)
 *
 * Every state change bumps `version` and sets `updatedAt`. Only reversals record events: accrual and
 * settlement happen in bulk and are recorded by the settlement run.
 */
export class Commission {
  private pending: CommissionDomainEvent[] = [];

  private constructor(private state: CommissionSnapshot) {}

  static create(props: CreateCommissionProps): Commission {
    const externalRef = validReference(props.externalRef);
    if (typeof props.partnerId !== 'string' || props.partnerId.trim() === '') {
      throw new DomainError(ErrorCodes.COMMISSION_INVALID_PARTNER, 'A commission needs a partner id', {
        externalRef,
      });
    }
    // Zero or negative is a business-rule violation (more useful than the generic MONEY.INVALID_AMOUNT),
    // so check it before Money.of handles currency, integer and safe-range validation.
    if (typeof props.amountMinor === 'number' && props.amountMinor <= 0) {
      throw new DomainError(
        ErrorCodes.COMMISSION_NON_POSITIVE_AMOUNT,
        'Commission amount must be greater than zero',
        { externalRef, amountMinor: props.amountMinor },
      );
    }
    const amount = Money.of(props.amountMinor, props.currency);
    const description = validDescription(props.description, externalRef);

    const occurredMs = parseInstant(props.occurredAt);
    if (occurredMs === null) {
      throw new DomainError(
        ErrorCodes.COMMISSION_INVALID_OCCURRED_AT,
        'occurredAt must be an ISO-8601 date-time with a time zone, e.g. 2024-01-31T12:00:00Z',
        { externalRef, occurredAt: String(props.occurredAt) },
      );
    }
    if (occurredMs > props.now.getTime() + OCCURRED_AT_MAX_FUTURE_MS) {
      throw new DomainError(
        ErrorCodes.COMMISSION_INVALID_OCCURRED_AT,
        'occurredAt lies more than 24 hours in the future',
        { externalRef, occurredAt: String(props.occurredAt), now: props.now.toISOString() },
      );
    }

    if (!Number.isSafeInteger(props.holdMs) || props.holdMs < 0) {
      throw new DomainError(
        ErrorCodes.COMMISSION_INVALID_HOLD,
        `Hold must be a non-negative integer of milliseconds, got ${String(props.holdMs)}`,
        { holdMs: props.holdMs },
      );
    }
    const holdUntil = new Date(occurredMs + props.holdMs);
    if (Number.isNaN(holdUntil.getTime())) {
      // Past the end of the Date range (year 275760): a configuration error, not a real hold.
      throw new DomainError(ErrorCodes.COMMISSION_INVALID_HOLD, 'Hold ends beyond the representable range', {
        holdMs: props.holdMs,
      });
    }

    const at = props.now.toISOString();
    return new Commission({
      id: props.id,
      externalRef,
      partnerId: props.partnerId,
      currency: amount.currency,
      amountMinor: amount.amountMinor,
      kind: 'COMMISSION',
      description,
      occurredAt: new Date(occurredMs).toISOString(),
      holdUntil: holdUntil.toISOString(),
      status: 'PENDING',
      ...NEITHER_SETTLED_NOR_REVERSED,
      clawbackOf: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }

  /** Rehydrates persisted state; records no events. Impossible values mean corrupt data, hence a plain Error. */
  static fromSnapshot(s: CommissionSnapshot): Commission {
    if (!isCommissionStatus(s.status) || !isCommissionKind(s.kind)) {
      throw new Error(
        `Corrupt commission snapshot ${s.id}: kind ${String(s.kind)}, status ${String(s.status)}`,
      );
    }
    const signOk = s.kind === 'COMMISSION' ? s.amountMinor > 0 : s.amountMinor < 0;
    if (!Number.isSafeInteger(s.amountMinor) || !signOk) {
      throw new Error(`Corrupt commission snapshot ${s.id}: ${s.kind} amount ${String(s.amountMinor)}`);
    }
    return new Commission({ ...s });
  }

  get id(): string {
    return this.state.id;
  }
  get externalRef(): string {
    return this.state.externalRef;
  }
  get partnerId(): string {
    return this.state.partnerId;
  }
  get currency(): string {
    return this.state.currency;
  }
  /** Signed: negative for a clawback. */
  get amountMinor(): number {
    return this.state.amountMinor;
  }
  get kind(): CommissionKind {
    return this.state.kind;
  }
  /** The stored status; use `effectiveStatus(now)` to decide what may happen to the commission. */
  get status(): CommissionStatus {
    return this.state.status;
  }
  get holdUntil(): string {
    return this.state.holdUntil;
  }
  get settlementId(): string | null {
    return this.state.settlementId;
  }
  get paymentId(): string | null {
    return this.state.paymentId;
  }
  get reversalPending(): boolean {
    return this.state.reversalPending;
  }
  get clawbackOf(): string | null {
    return this.state.clawbackOf;
  }
  get version(): number {
    return this.state.version;
  }

  /** The hold elapses by the clock alone; nothing writes PAYABLE, so a PENDING past its hold reads as PAYABLE. */
  effectiveStatus(now: Date): CommissionStatus {
    const { status, holdUntil } = this.state;
    return status === 'PENDING' && Date.parse(holdUntil) <= now.getTime() ? 'PAYABLE' : status;
  }

  /**
   * Whether a repeated submission with this externalRef carries the same body (idempotent replay)
   * rather than different data (a conflict). occurredAt compares as an instant, so "+02:00" and
   * the equivalent "Z" form match.
   */
  matchesRequest(props: CommissionRequest): boolean {
    const s = this.state;
    if (s.kind !== 'COMMISSION') return false;
    const description = props.description === undefined ? '' : props.description;
    return (
      typeof props.externalRef === 'string' &&
      props.externalRef.trim() === s.externalRef &&
      props.partnerId === s.partnerId &&
      props.currency === s.currency &&
      props.amountMinor === s.amountMinor &&
      typeof description === 'string' &&
      description.trim() === s.description &&
      parseInstant(props.occurredAt) === Date.parse(s.occurredAt)
    );
  }

  /** Takes a payable commission into a settlement run; nobody else may claim it until it is settled or released. */
  claim(settlementId: string, paymentId: string, now: Date): void {
    const from = this.effectiveStatus(now);
    if (from !== 'PAYABLE') throw this.invalidTransition(from, 'SETTLING');
    this.touch(now, { status: 'SETTLING', settlementId, paymentId });
  }

  /**
   * The payment went out. If a reversal was requested meanwhile, the money is gone anyway, so the
   * reversal becomes a clawback. Pass a deterministic `clawbackId` when the call may be retried.
   */
  settle(now: Date, clawbackId?: string): ClawbackResult {
    this.assertStatus(['SETTLING'], 'SETTLED');
    if (!this.state.reversalPending) {
      this.touch(now, { status: 'SETTLED' });
      return {};
    }
    this.touch(now, { status: 'SETTLED', reversalPending: false });
    return { clawback: this.clawBack(clawbackId ?? newCommissionId(), now) };
  }

  /** The payment did not go out: back to PAYABLE, or to REVERSED if a reversal was requested meanwhile. */
  release(now: Date): void {
    this.assertStatus(['SETTLING'], 'PAYABLE');
    const unlinked = { settlementId: null, paymentId: null };
    if (!this.state.reversalPending) {
      this.touch(now, { status: 'PAYABLE', ...unlinked });
      return;
    }
    this.touch(now, { status: 'REVERSED', reversalPending: false, ...unlinked });
    this.record('CommissionReversed', now.toISOString(), {});
  }

  /**
   * The payment that settled this entry was refunded, so the money came back: the entry is owed
   * again (PAYABLE) unless the operator decides it must not be paid again (`reverse` → REVERSED).
   * Clawbacks, and commissions already clawed back, always return to PAYABLE whatever `reverse`
   * says: a clawback is still owed, and an existing clawback already nets its original off, so
   * reversing the original as well would take the money back twice.
   */
  returnAfterRefund(props: ReturnAfterRefundProps): void {
    const { reverse, actor, now } = props;
    this.assertStatus(['SETTLED'], reverse ? 'REVERSED' : 'PAYABLE');
    const reason = reverse ? validReason(props.reason, this.state.id) : null;
    const unlinked = { settlementId: null, paymentId: null };
    if (reason === null || this.state.kind === 'CLAWBACK' || this.state.reversedAt !== null) {
      this.touch(now, { status: 'PAYABLE', ...unlinked });
      return;
    }
    const at = now.toISOString();
    this.touch(now, {
      status: 'REVERSED',
      reversalReason: reason,
      reversedBy: actor,
      reversedAt: at,
      ...unlinked,
    });
    this.record('CommissionReversed', at, {});
  }

  /**
   * Cancels the commission (e.g. the order was refunded). Before settlement it simply becomes
   * REVERSED; during settlement the reversal waits for the outcome; after settlement a clawback is
   * returned, to be netted against the partner's next payouts.
   */
  reverse(props: ReverseCommissionProps): ClawbackResult {
    const s = this.state;
    if (s.kind === 'CLAWBACK') {
      throw new DomainError(ErrorCodes.COMMISSION_NOT_REVERSIBLE, 'A clawback cannot be reversed', {
        commissionId: s.id,
        kind: s.kind,
      });
    }
    if (s.status === 'REVERSED' || s.reversedAt !== null) {
      throw new DomainError(
        ErrorCodes.COMMISSION_ALREADY_REVERSED,
        s.reversalPending
          ? 'A reversal of this commission is already pending'
          : 'This commission has already been reversed',
        { commissionId: s.id, status: s.status, reversedAt: s.reversedAt },
      );
    }
    const reason = validReason(props.reason, s.id);
    const at = props.now.toISOString();
    const reversal = { reversalReason: reason, reversedBy: props.actor, reversedAt: at };

    const from = this.effectiveStatus(props.now);
    if (from === 'SETTLING') {
      // The payment may already be on its way; settle or release resolves the reversal.
      this.touch(props.now, { ...reversal, reversalPending: true });
      this.record('CommissionReversalRequested', at, {});
      return {};
    }
    if (from === 'SETTLED') {
      this.touch(props.now, reversal);
      return { clawback: this.clawBack(props.clawbackId, props.now) };
    }
    this.touch(props.now, { ...reversal, status: 'REVERSED' });
    this.record('CommissionReversed', at, {});
    return {};
  }

  /** Returns the events recorded since the last call, oldest first, and forgets them. */
  pullEvents(): CommissionDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  toSnapshot(): CommissionSnapshot {
    return { ...this.state };
  }

  /** Creates the negative entry for this (settled, reversed) commission and records the fact here. */
  private clawBack(clawbackId: string, now: Date): Commission {
    const s = this.state;
    const at = now.toISOString();
    const reason = s.reversalReason ?? '';
    const clawback = new Commission({
      id: clawbackId,
      externalRef: `${s.externalRef}${CLAWBACK_REFERENCE_SUFFIX}`,
      partnerId: s.partnerId,
      currency: s.currency,
      amountMinor: -s.amountMinor,
      kind: 'CLAWBACK',
      description: clip(`Clawback of ${s.externalRef}: ${reason}`, COMMISSION_DESCRIPTION_MAX_LENGTH),
      occurredAt: at,
      // No hold: the commission it cancels has already been paid out.
      holdUntil: at,
      status: 'PAYABLE',
      ...NEITHER_SETTLED_NOR_REVERSED,
      clawbackOf: s.externalRef,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    this.record('CommissionClawbackCreated', at, {
      clawbackId: clawback.id,
      clawbackExternalRef: clawback.externalRef,
      clawbackAmountMinor: clawback.amountMinor,
    });
    return clawback;
  }

  private assertStatus(allowedFrom: readonly CommissionStatus[], to: CommissionStatus): void {
    if (!allowedFrom.includes(this.state.status)) throw this.invalidTransition(this.state.status, to);
  }

  private invalidTransition(from: CommissionStatus, to: CommissionStatus): DomainError {
    return new DomainError(
      ErrorCodes.COMMISSION_INVALID_TRANSITION,
      `Cannot move a commission from ${from} to ${to}`,
      { commissionId: this.state.id, from, to },
    );
  }

  private touch(now: Date, patch: Partial<CommissionSnapshot>): void {
    this.state = { ...this.state, ...patch, updatedAt: now.toISOString(), version: this.state.version + 1 };
  }

  private record(
    type: CommissionEventType,
    at: string,
    extras: Pick<CommissionEventData, 'clawbackId' | 'clawbackExternalRef' | 'clawbackAmountMinor'>,
  ): void {
    const s = this.state;
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'Commission', id: s.id },
      partnerId: s.partnerId,
      data: {
        commissionId: s.id,
        externalRef: s.externalRef,
        partnerId: s.partnerId,
        kind: s.kind,
        status: s.status,
        amountMinor: s.amountMinor,
        currency: s.currency,
        version: s.version,
        actor: s.reversedBy ?? '',
        reason: s.reversalReason ?? '',
        settlementId: s.settlementId,
        paymentId: s.paymentId,
        ...extras,
      },
    });
  }
}
