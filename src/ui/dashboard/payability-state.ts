import { PAYABILITY_REASONS, type PayabilityReason } from '../../domain/payability';
import type { SettlementSkipReason } from '../../domain/settlement-plan';
import type { Payability } from '../../api/contract/api-contract.types';
import { formatMinorString } from './money-format';
import { SKIP_REASON_LABELS } from './settlement-state';

/**
 * Payability as the portal's "Your next payout" card and the Partners page's column show it: pure,
 * so the wording, the money and the dates are unit tested without a browser. The reasons are the
 * settlement planner's, so their labels are the skip reasons' (settlement-state.ts), not a copy.
 */

/** The planner stores these two under its older names (settlement-plan.ts); the rest keep their code. */
const SKIP_REASON_OF: Partial<Record<PayabilityReason, SettlementSkipReason>> = {
  SUSPENDED: 'PARTNER_SUSPENDED',
  ON_HOLD: 'PAYOUT_HOLD',
};

/** The one reason no run skips for (payouts go to the method in force), hence without a skip label. */
const NOT_A_SKIP: Partial<Record<PayabilityReason, string>> = {
  PAYOUT_METHOD_PENDING_CHANGE: 'Payout method change pending',
};

export function payabilityReasonLabel(code: PayabilityReason): string {
  const skip = SKIP_REASON_OF[code] ?? (code as SettlementSkipReason);
  return NOT_A_SKIP[code] ?? SKIP_REASON_LABELS[skip] ?? code;
}

/** Dates in the reader's locale, with the time: a run starts at a given hour. */
export function formatPayoutDate(iso: string, locale?: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(d);
}

export interface ReasonLine {
  code: PayabilityReason;
  label: string;
  whatToDo: string;
  blocking: boolean;
  currency?: string;
}

/** How a currency's balance stands for the next run. */
export type CurrencyOutlook =
  | 'SCHEDULED' // paid by the next scheduled run, on `when`
  | 'NEXT_RUN' // paid by the next run, but no Schedule says when
  | 'BELOW_MINIMUM'
  | 'HELD' // the partner is not payable: held until the reasons are resolved
  | 'NOT_CONFIGURED' // no run pays the currency
  | 'NOTHING'; // nothing payable yet

export interface CurrencyLine {
  currency: string;
  outlook: CurrencyOutlook;
  /** The expected amount, formatted by the currency's exponent. */
  amount: string;
  amountMinor: string;
  /** The date it is paid on (SCHEDULED), formatted. */
  when: string | null;
  /** One sentence: when and how much, or why not. */
  text: string;
}

export interface NextPayoutCard {
  payable: boolean;
  headline: 'Payable' | 'Not payable';
  /** Blocking reasons first: they are what keeps the partner out of runs. */
  reasons: ReasonLine[];
  currencies: CurrencyLine[];
}

export function nextPayoutCard(view: Payability, locale?: string, timeZone?: string): NextPayoutCard {
  const reasons = view.reasons
    .map((r): ReasonLine => ({
      code: r.code,
      label: payabilityReasonLabel(r.code),
      whatToDo: r.whatToDo,
      blocking: r.blocking,
      ...(r.currency ? { currency: r.currency } : {}),
    }))
    .sort((a, b) => Number(b.blocking) - Number(a.blocking));
  const below = new Set(view.reasons.filter((r) => r.code === 'BELOW_MINIMUM').map((r) => r.currency));
  const currencies = view.currencies.map((c): CurrencyLine => {
    const amount = formatMinorString(c.expectedMinor, c.currency, locale);
    const line = (outlook: CurrencyOutlook, text: string, when: string | null = null): CurrencyLine => ({
      currency: c.currency,
      outlook,
      amount,
      amountMinor: c.expectedMinor,
      when,
      text,
    });
    if (c.payable && c.nextPayoutAt) {
      const when = formatPayoutDate(c.nextPayoutAt, locale, timeZone);
      return line('SCHEDULED', `${amount} on ${when}`, when);
    }
    if (c.payable) return line('NEXT_RUN', `${amount} with the next settlement run`);
    if (c.expectedMinor === '0') return line('NOTHING', 'Nothing payable yet');
    if (c.minimumMinor === null) return line('NOT_CONFIGURED', `${amount}: no payout run pays ${c.currency}`);
    if (below.has(c.currency)) {
      const minimum = formatMinorString(String(c.minimumMinor), c.currency, locale);
      return line('BELOW_MINIMUM', `${amount}: below the ${minimum} minimum, carried forward`);
    }
    return line('HELD', `${amount}: held until the reasons above are resolved`);
  });
  return { payable: view.payable, headline: view.payable ? 'Payable' : 'Not payable', reasons, currencies };
}

/** The Partners page's column: the verdict and the reasons' labels (a currency's in brackets). */
export function payabilityCell(view: Payability | undefined): { label: string; reasons: string[] } {
  if (!view) return { label: '—', reasons: [] };
  const labels = view.reasons
    .slice()
    .sort((a, b) => Number(b.blocking) - Number(a.blocking))
    .map((r) => `${payabilityReasonLabel(r.code)}${r.currency ? ` (${r.currency})` : ''}`);
  return { label: view.payable ? 'Payable' : 'Not payable', reasons: [...new Set(labels)] };
}

/** The Partners page's filter: everyone, payable or not, or those with a given reason. */
export type PayabilityFilter = '' | 'PAYABLE' | 'NOT_PAYABLE' | PayabilityReason;

export const PAYABILITY_FILTERS: ReadonlyArray<{ value: PayabilityFilter; label: string }> = [
  { value: '', label: 'Any' },
  { value: 'PAYABLE', label: 'Payable' },
  { value: 'NOT_PAYABLE', label: 'Not payable' },
  ...PAYABILITY_REASONS.map((code) => ({ value: code, label: payabilityReasonLabel(code) })),
];

export const isPayabilityFilter = (v: string): v is PayabilityFilter =>
  PAYABILITY_FILTERS.some((f) => f.value === v);

/** A partner whose payability is not known (not loaded) matches only "Any". */
export function matchesPayability(view: Payability | undefined, filter: PayabilityFilter): boolean {
  if (filter === '') return true;
  if (!view) return false;
  if (filter === 'PAYABLE') return view.payable;
  if (filter === 'NOT_PAYABLE') return !view.payable;
  return view.reasons.some((r) => r.code === filter);
}
