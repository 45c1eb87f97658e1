import { isTaxFormExpired, type TaxProfileStatus } from './tax-profile.aggregate';

/**
 * Why a partner is (not) paid: one list, read by `GET /partners/:id/payability` and by the
 * settlement planner (settlement-plan.ts maps each to its stored skip reason), so a partner and an
 * operator always see the same answer. Pure.
 */
export const PAYABILITY_REASONS = [
  'SUSPENDED',
  'ON_HOLD',
  'NO_PAYOUT_METHOD',
  // The bank returned a payout to the method in force (reconciliation flags the partner) and no
  // change has taken effect since (Partner.payoutMethodReturnedAt).
  'PAYOUT_METHOD_RETURNED',
  'TAX_FORM_MISSING',
  'TAX_FORM_PENDING_REVIEW',
  'TAX_FORM_REJECTED',
  'TAX_FORM_EXPIRED',
  'PAYOUT_METHOD_PENDING_CHANGE',
  'BELOW_MINIMUM',
] as const;
export type PayabilityReason = (typeof PAYABILITY_REASONS)[number];

/**
 * Whether the reason keeps the partner out of payouts. A pending method change does not: payouts
 * go to the method in force until the change takes effect. BELOW_MINIMUM is about one currency's
 * amount, not the partner: that currency's balance carries forward.
 */
export const BLOCKS_PAYOUTS: Readonly<Record<PayabilityReason, boolean>> = {
  SUSPENDED: true,
  ON_HOLD: true,
  NO_PAYOUT_METHOD: true,
  PAYOUT_METHOD_RETURNED: true,
  TAX_FORM_MISSING: true,
  TAX_FORM_PENDING_REVIEW: true,
  TAX_FORM_REJECTED: true,
  TAX_FORM_EXPIRED: true,
  PAYOUT_METHOD_PENDING_CHANGE: false,
  BELOW_MINIMUM: false,
};

/**
 * Whether the partner can fix the reason themselves: a run that skips them for one tells them
 * (once per run). Not: what only an operator decides (suspension, hold), a form waiting for review
 * (nothing to do but wait), and the non-blocking ones (a pending method change, a small balance),
 * which never make a run skip the partner.
 */
export const FIXABLE_BY_PARTNER: Readonly<Record<PayabilityReason, boolean>> = {
  SUSPENDED: false,
  ON_HOLD: false,
  NO_PAYOUT_METHOD: true,
  PAYOUT_METHOD_RETURNED: true,
  TAX_FORM_MISSING: true,
  TAX_FORM_PENDING_REVIEW: false,
  TAX_FORM_REJECTED: true,
  TAX_FORM_EXPIRED: true,
  PAYOUT_METHOD_PENDING_CHANGE: false,
  BELOW_MINIMUM: false,
};

export const isFixableByPartner = (code: string): code is PayabilityReason =>
  Object.hasOwn(FIXABLE_BY_PARTNER, code) && FIXABLE_BY_PARTNER[code as PayabilityReason];

/** What the partner (or an operator) does about it, in a sentence. */
export const WHAT_TO_DO: Readonly<Record<PayabilityReason, string>> = {
  SUSPENDED: 'Your account is suspended; contact your partner manager to have it reactivated.',
  ON_HOLD: 'Payouts are on hold while we review your account; your partner manager will contact you.',
  NO_PAYOUT_METHOD: 'Add a payout method (bank account or Stripe) so we know where to pay you.',
  PAYOUT_METHOD_RETURNED:
    'Your bank returned the last payout; check your payout method details and update them.',
  TAX_FORM_MISSING: 'Submit your tax form (W-9, W-8BEN, W-8BEN-E or your local form).',
  TAX_FORM_PENDING_REVIEW: 'Nothing to do: your tax form is being reviewed.',
  TAX_FORM_REJECTED: 'Your tax form was rejected; correct it as the reason says and submit it again.',
  TAX_FORM_EXPIRED: 'Your tax form has expired; submit a new, signed one.',
  PAYOUT_METHOD_PENDING_CHANGE:
    'A payout method change is waiting for approval or its cool-off; payouts go to your current method until then.',
  BELOW_MINIMUM:
    'Nothing to do: this balance is below the payout minimum and carries forward to the next run.',
};

/** TAX_FORM_REQUIRED: off, every partner, or partners whose tax country is listed. */
export type TaxFormRequirement =
  { kind: 'off' } | { kind: 'all' } | { kind: 'countries'; countries: readonly string[] };

/** A partner's tax form as payability needs it (no tax id). */
export interface TaxFormFacts {
  status: TaxProfileStatus;
  country: string;
  expiresOn: string | null;
}

export type TaxFormStanding = 'NOT_REQUIRED' | 'APPROVED' | 'MISSING' | 'IN_REVIEW' | 'REJECTED' | 'EXPIRED';

/**
 * Whether a form is required, and how the partner's stands. With a country list the country is the
 * tax profile's (partners have no country of their own): a partner without a profile is then not
 * known to be in a listed country and is not held back.
 */
export function taxFormStanding(
  requirement: TaxFormRequirement,
  form: TaxFormFacts | null,
  now: Date,
): TaxFormStanding {
  if (requirement.kind === 'off') return 'NOT_REQUIRED';
  if (requirement.kind === 'countries' && (!form || !requirement.countries.includes(form.country)))
    return 'NOT_REQUIRED';
  if (!form) return 'MISSING';
  if (form.status === 'REJECTED') return 'REJECTED';
  if (isTaxFormExpired(form.expiresOn, now)) return 'EXPIRED';
  return form.status === 'APPROVED' ? 'APPROVED' : 'IN_REVIEW';
}

const TAX_FORM_REASON: Readonly<Record<TaxFormStanding, PayabilityReason | null>> = {
  NOT_REQUIRED: null,
  APPROVED: null,
  MISSING: 'TAX_FORM_MISSING',
  IN_REVIEW: 'TAX_FORM_PENDING_REVIEW',
  REJECTED: 'TAX_FORM_REJECTED',
  EXPIRED: 'TAX_FORM_EXPIRED',
};

/** What the planner and the API know about a partner, whatever the currency. */
export interface PartnerPayabilityFacts {
  status: 'ACTIVE' | 'SUSPENDED';
  onHold: boolean;
  /** False only for a partner with no method and no legacy account (every partner has one today). */
  hasPayoutMethod: boolean;
  pendingMethodChange: boolean;
  /** Hook for reconciliation: the bank returned the last payout to the method in force. */
  payoutMethodReturned?: boolean;
  taxForm: TaxFormStanding;
}

/** The partner's reasons in the order they are shown (and the planner reports the first blocking one). */
export function partnerPayabilityReasons(f: PartnerPayabilityFacts): PayabilityReason[] {
  const reasons: PayabilityReason[] = [];
  if (f.status === 'SUSPENDED') reasons.push('SUSPENDED');
  if (f.onHold) reasons.push('ON_HOLD');
  if (!f.hasPayoutMethod) reasons.push('NO_PAYOUT_METHOD');
  if (f.payoutMethodReturned) reasons.push('PAYOUT_METHOD_RETURNED');
  const tax = TAX_FORM_REASON[f.taxForm];
  if (tax) reasons.push(tax);
  if (f.pendingMethodChange) reasons.push('PAYOUT_METHOD_PENDING_CHANGE');
  return reasons;
}

/** The first reason that keeps the partner out of a run, if any. */
export const firstBlockingReason = (f: PartnerPayabilityFacts): PayabilityReason | undefined =>
  partnerPayabilityReasons(f).find((r) => BLOCKS_PAYOUTS[r]);

export interface CurrencyBalanceFacts {
  currency: string;
  /** Net payable now (commissions payable + clawbacks outstanding), decimal minor units. */
  netPayableMinor: string;
  /** PAYOUT_MINIMUMS for the currency; undefined when no run pays it. */
  minimumMinor: number | undefined;
}

export interface ReasonView {
  code: PayabilityReason;
  whatToDo: string;
  blocking: boolean;
  /** Set for a reason about one currency's balance (BELOW_MINIMUM). */
  currency?: string;
}

export interface CurrencyPayability {
  currency: string;
  /** What the next run would pay now: the net payable balance, or 0 when it would pay nothing. */
  expectedMinor: string;
  minimumMinor: number | null;
  payable: boolean;
  /** The next run's time when this balance would be paid by it, else null. */
  nextPayoutAt: string | null;
}

export interface PayabilityView {
  payable: boolean;
  reasons: ReasonView[];
  currencies: CurrencyPayability[];
}

const reasonView = (code: PayabilityReason, currency?: string): ReasonView => ({
  code,
  whatToDo: WHAT_TO_DO[code],
  blocking: BLOCKS_PAYOUTS[code],
  ...(currency ? { currency } : {}),
});

/**
 * The whole answer: the partner's reasons, and per currency what the next run would pay and when.
 * `payable` is false when any reason blocks payouts; BELOW_MINIMUM only holds back its currency.
 */
export function payabilityOf(
  facts: PartnerPayabilityFacts,
  balances: readonly CurrencyBalanceFacts[],
  nextRunAt: string | null,
): PayabilityView {
  const reasons = partnerPayabilityReasons(facts).map((code) => reasonView(code));
  const payable = !reasons.some((r) => r.blocking);
  const currencies = balances.map((b): CurrencyPayability => {
    const net = BigInt(b.netPayableMinor);
    const below = net > 0n && b.minimumMinor !== undefined && net < BigInt(b.minimumMinor);
    if (below) reasons.push(reasonView('BELOW_MINIMUM', b.currency));
    const paid = payable && net > 0n && b.minimumMinor !== undefined && !below;
    return {
      currency: b.currency,
      expectedMinor: net > 0n ? net.toString() : '0',
      minimumMinor: b.minimumMinor ?? null,
      payable: paid,
      nextPayoutAt: paid ? nextRunAt : null,
    };
  });
  return { payable, reasons, currencies };
}
