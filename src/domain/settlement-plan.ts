import { Currency, isKnownCurrency } from './currency.value-object';
import { DomainError, ErrorCodes } from './domain-error';
import { isPerCurrency, maximumOf, type PaymentMaximum } from './payout-maximums.value-object';
import type { PayoutMinimums } from './payout-minimums.value-object';
import { firstBlockingReason, type PayabilityReason, type TaxFormStanding } from './payability';

export const PARTNER_BALANCE_STATUSES = ['ACTIVE', 'SUSPENDED', 'MISSING'] as const;
/** MISSING: the ledger has entries for a partner id that no longer resolves to a partner. */
export type PartnerBalanceStatus = (typeof PARTNER_BALANCE_STATUSES)[number];

/** One partner's payable ledger entries in one currency, summed by the database. */
export interface PartnerBalance {
  partnerId: string;
  currency: string;
  /** Sum of payable commissions, ≥ 0. bigint: sums of many entries may pass 2^53. */
  commissionsMinor: bigint;
  /** Sum of payable clawbacks, ≤ 0. */
  clawbacksMinor: bigint;
  commissionCount: number;
  clawbackCount: number;
  partnerStatus: PartnerBalanceStatus;
  payoutHold: boolean;
  /** TAX_FORM_REQUIRED applied to the partner's tax profile; absent: not required. */
  taxForm?: TaxFormStanding;
  /** Hook for reconciliation (PAYOUT_METHOD_RETURNED); absent: not returned. */
  payoutMethodReturned?: boolean;
}

export const SKIP_REASONS = [
  'PARTNER_SUSPENDED',
  'PARTNER_MISSING',
  'PAYOUT_HOLD',
  'NEGATIVE_BALANCE',
  'ZERO_BALANCE',
  'CURRENCY_NOT_CONFIGURED',
  'BELOW_MINIMUM',
  'ABOVE_MAXIMUM',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * Every reason a run skips a balance: SKIP_REASONS (a balance's own) and payability's
 * partner-level ones that came with tax forms (issue 27); the dashboard labels every one.
 */
export const SETTLEMENT_SKIP_REASONS = [
  ...SKIP_REASONS,
  'NO_PAYOUT_METHOD',
  'PAYOUT_METHOD_RETURNED',
  'TAX_FORM_MISSING',
  'TAX_FORM_PENDING_REVIEW',
  'TAX_FORM_REJECTED',
  'TAX_FORM_EXPIRED',
] as const;
export type SettlementSkipReason = (typeof SETTLEMENT_SKIP_REASONS)[number];

export interface PlannedPayout {
  partnerId: string;
  currency: string;
  /** Positive, within the minimum and the maximum, hence a safe integer. */
  netMinor: number;
  commissionCount: number;
  clawbackCount: number;
}

export interface SkippedBalance {
  partnerId: string;
  currency: string;
  /** Decimal integer string (e.g. "-1500"): the net may exceed 2^53, and bigint is not JSON-serialisable. */
  netMinor: string;
  reason: SettlementSkipReason;
  /** A plain-language sentence for operators. */
  detail: string;
  commissionCount: number;
  clawbackCount: number;
}

export interface CurrencyTotals {
  payoutCount: number;
  /** Decimal integer string, for the same reasons as `SkippedBalance.netMinor`. */
  payoutMinor: string;
  skippedCount: number;
}

export interface SettlementPlan {
  /** Sorted by currency, then partnerId. */
  payouts: PlannedPayout[];
  /** Sorted by currency, then partnerId. Their entries stay PAYABLE and carry forward. */
  skipped: SkippedBalance[];
  /** Keyed by currency code, in code order; every currency of the input appears. */
  totals: Record<string, CurrencyTotals>;
}

export interface SettlementPolicy {
  minimums: PayoutMinimums;
  /**
   * Largest single payment, in minor units of the payout's currency: one number for every currency
   * (PAYMENT_MAX_AMOUNT_MINOR), or per currency (PAYOUT_MAXIMUMS: a PayoutMaximums or a function).
   */
  maxPaymentMinor: PaymentMaximum;
}

const invalidBalance = (message: string, balance: PartnerBalance): DomainError =>
  new DomainError(ErrorCodes.SETTLEMENT_INVALID_BALANCE, message, {
    partnerId: String(balance.partnerId),
    currency: String(balance.currency),
  });

const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A wrong sign here would turn netting into double payment, so bad input stops the run. */
function assertValidBalance(b: PartnerBalance): void {
  if (typeof b.partnerId !== 'string' || b.partnerId === '') throw invalidBalance('Missing partnerId', b);
  if (!isKnownCurrency(b.currency)) throw invalidBalance(`Unknown currency ${String(b.currency)}`, b);
  if (typeof b.commissionsMinor !== 'bigint' || b.commissionsMinor < 0n) {
    throw invalidBalance('commissionsMinor must be a bigint ≥ 0', b);
  }
  if (typeof b.clawbacksMinor !== 'bigint' || b.clawbacksMinor > 0n) {
    throw invalidBalance('clawbacksMinor must be a bigint ≤ 0', b);
  }
  if (!isCount(b.commissionCount) || !isCount(b.clawbackCount)) {
    throw invalidBalance('Entry counts must be non-negative integers', b);
  }
  if (!(PARTNER_BALANCE_STATUSES as readonly string[]).includes(b.partnerStatus)) {
    throw invalidBalance(`Unknown partner status ${String(b.partnerStatus)}`, b);
  }
  if (typeof b.payoutHold !== 'boolean') throw invalidBalance('payoutHold must be a boolean', b);
}

/** "-1234.50 USD", exact for any bigint (Money cannot hold negative or beyond-2^53 amounts). */
export function formatMinor(amountMinor: bigint, currency: string): string {
  const digits = Currency.of(currency).minorDigits;
  const sign = amountMinor < 0n ? '-' : '';
  const text = (amountMinor < 0n ? -amountMinor : amountMinor).toString();
  if (digits === 0) return `${sign}${text} ${currency}`;
  const padded = text.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)} ${currency}`;
}

// Code-unit order, not localeCompare: the plan must not depend on the server's locale.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Payability's blocking reasons as stored skip reasons (PARTNER_SUSPENDED and PAYOUT_HOLD predate it). */
const SKIP_FOR: Readonly<Record<PayabilityReason, SettlementSkipReason>> = {
  SUSPENDED: 'PARTNER_SUSPENDED',
  ON_HOLD: 'PAYOUT_HOLD',
  NO_PAYOUT_METHOD: 'NO_PAYOUT_METHOD',
  PAYOUT_METHOD_RETURNED: 'PAYOUT_METHOD_RETURNED',
  TAX_FORM_MISSING: 'TAX_FORM_MISSING',
  TAX_FORM_PENDING_REVIEW: 'TAX_FORM_PENDING_REVIEW',
  TAX_FORM_REJECTED: 'TAX_FORM_REJECTED',
  TAX_FORM_EXPIRED: 'TAX_FORM_EXPIRED',
  PAYOUT_METHOD_PENDING_CHANGE: 'BELOW_MINIMUM', // never blocking: unreachable
  BELOW_MINIMUM: 'BELOW_MINIMUM',
};

const SKIP_DETAIL: Readonly<Record<PayabilityReason, string>> = {
  SUSPENDED: 'partner is suspended',
  ON_HOLD: 'payouts are on hold for this partner',
  NO_PAYOUT_METHOD: 'partner has no payout method',
  PAYOUT_METHOD_RETURNED: 'the bank returned the last payout to this partner',
  TAX_FORM_MISSING: 'a tax form is required (TAX_FORM_REQUIRED) and the partner has none',
  TAX_FORM_PENDING_REVIEW: 'the partner’s tax form waits for review',
  TAX_FORM_REJECTED: 'the partner’s tax form was rejected',
  TAX_FORM_EXPIRED: 'the partner’s tax form has expired',
  PAYOUT_METHOD_PENDING_CHANGE: 'a payout method change is pending',
  BELOW_MINIMUM: 'below the minimum',
};

function skipReason(
  b: PartnerBalance,
  net: bigint,
  policy: SettlementPolicy,
): { reason: SettlementSkipReason; detail: string } | null {
  const amount = formatMinor(net, b.currency);
  if (b.partnerStatus === 'MISSING') {
    return { reason: 'PARTNER_MISSING', detail: `partner not found; net ${amount} is not paid` };
  }
  // The partner-level reasons are payability's (the same list GET /partners/:id/payability shows),
  // stored under the planner's older names where it had one.
  const blocking = firstBlockingReason({
    status: b.partnerStatus === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE',
    onHold: b.payoutHold,
    hasPayoutMethod: true, // the legacy payout account is always a method
    pendingMethodChange: false,
    payoutMethodReturned: b.payoutMethodReturned === true,
    taxForm: b.taxForm ?? 'NOT_REQUIRED',
  });
  if (blocking) {
    return { reason: SKIP_FOR[blocking], detail: `${SKIP_DETAIL[blocking]}; net ${amount} carries forward` };
  }
  if (net < 0n) {
    return {
      reason: 'NEGATIVE_BALANCE',
      detail: `net ${amount} is negative (clawbacks exceed commissions) and carries forward against future commissions`,
    };
  }
  if (net === 0n) {
    return { reason: 'ZERO_BALANCE', detail: `net ${amount}: commissions and clawbacks cancel out` };
  }
  const configured = policy.minimums.minimumFor(b.currency);
  if (configured === undefined) {
    return {
      reason: 'CURRENCY_NOT_CONFIGURED',
      detail: `${b.currency} has no payout minimum configured (PAYOUT_MINIMUMS); net ${amount} carries forward until it has one`,
    };
  }
  const minimum = BigInt(configured);
  if (net < minimum) {
    return {
      reason: 'BELOW_MINIMUM',
      detail: `net ${amount} is below the ${formatMinor(minimum, b.currency)} minimum and carries forward`,
    };
  }
  const maximum = BigInt(maximumOf(policy.maxPaymentMinor, b.currency));
  if (net > maximum) {
    return {
      reason: 'ABOVE_MAXIMUM',
      detail: `net ${amount} exceeds the ${formatMinor(maximum, b.currency)} maximum for one payment; an operator must act`,
    };
  }
  return null;
}

/**
 * Decides, per partner and currency, what a settlement run pays and why the rest is skipped.
 * Pure: the database sums the entries, this applies the rules. Precedence: partner missing, then
 * payability's blocking reasons (suspended, payout hold, tax form…), negative, zero, currency not configured, below the minimum, above the
 * maximum; otherwise a payout.
 */
export function planSettlement(
  balances: readonly PartnerBalance[],
  policy: SettlementPolicy,
): SettlementPlan {
  // One number: checked once, even for an empty run (a bad setting fails before any balance).
  if (!isPerCurrency(policy.maxPaymentMinor)) maximumOf(policy.maxPaymentMinor, 'any currency');

  const seen = new Set<string>();
  for (const b of balances) {
    assertValidBalance(b);
    const key = `${b.currency}\n${b.partnerId}`;
    if (seen.has(key)) {
      // Two rows for one partner and currency would become two payments for the same entries.
      throw new DomainError(
        ErrorCodes.SETTLEMENT_DUPLICATE_BALANCE,
        `Partner ${b.partnerId} has more than one ${b.currency} balance`,
        { partnerId: b.partnerId, currency: b.currency },
      );
    }
    seen.add(key);
  }

  const sorted = [...balances].sort(
    (a, b) => compare(a.currency, b.currency) || compare(a.partnerId, b.partnerId),
  );
  const payouts: PlannedPayout[] = [];
  const skipped: SkippedBalance[] = [];
  const sums = new Map<string, { payoutCount: number; payoutMinor: bigint; skippedCount: number }>();

  for (const b of sorted) {
    let sum = sums.get(b.currency);
    if (!sum) {
      sum = { payoutCount: 0, payoutMinor: 0n, skippedCount: 0 };
      sums.set(b.currency, sum);
    }
    const net = b.commissionsMinor + b.clawbacksMinor;
    const counts = { commissionCount: b.commissionCount, clawbackCount: b.clawbackCount };
    const skip = skipReason(b, net, policy);
    if (skip) {
      skipped.push({
        partnerId: b.partnerId,
        currency: b.currency,
        netMinor: net.toString(),
        ...skip,
        ...counts,
      });
      sum.skippedCount += 1;
    } else {
      // Safe: net ≤ the currency's maximum, itself a safe integer.
      payouts.push({ partnerId: b.partnerId, currency: b.currency, netMinor: Number(net), ...counts });
      sum.payoutCount += 1;
      sum.payoutMinor += net;
    }
  }

  const totals: Record<string, CurrencyTotals> = {};
  for (const [currency, sum] of sums) {
    totals[currency] = { ...sum, payoutMinor: sum.payoutMinor.toString() };
  }
  return { payouts, skipped, totals };
}

/**
 * How many partners a plan leaves out, by reason: a partner skipped in two currencies for the same
 * reason counts once (a partner-level reason such as a missing tax form skips every currency).
 */
export function skippedPartnersByReason(
  skipped: readonly Pick<SkippedBalance, 'partnerId' | 'reason'>[],
): Partial<Record<SettlementSkipReason, number>> {
  const partners = new Map<SettlementSkipReason, Set<string>>();
  for (const s of skipped) {
    const ids = partners.get(s.reason) ?? new Set<string>();
    ids.add(s.partnerId);
    partners.set(s.reason, ids);
  }
  const counts: Partial<Record<SettlementSkipReason, number>> = {};
  for (const reason of SETTLEMENT_SKIP_REASONS) {
    const n = partners.get(reason)?.size;
    if (n) counts[reason] = n;
  }
  return counts;
}
