import type { DomainEvent } from './domain-event';
import { isFixableByPartner, WHAT_TO_DO, type PayabilityReason } from './payability';

/**
 * The partner events that ask a partner to act (issue 27), each put in the partner-notice outbox
 * in the transaction that writes it, so the partner is told once it commits (email, in-app and
 * webhook as they chose; never muted entirely). Their ids are derived by the caller from what they
 * are about, so writing one twice is recognised as the same event.
 */
export type PartnerActionEvent = DomainEvent<
  'PartnerTaxFormExpiring' | 'PartnerSkippedInSettlement',
  {
    partnerId: string;
    reason: string;
    whatToDo: string;
    formType?: string;
    expiresOn?: string;
    settlementId?: string;
    currencies?: string[];
  }
>;

/** How many days before its expiry a form's partner is told (TAX_FORM_EXPIRY_NOTICE_DAYS default). */
export const TAX_FORM_EXPIRY_NOTICE_DAYS = 30;

/** The window of expiry days to tell about at `now`: from today (still valid) to today + days, inclusive. */
export function expiryNoticeWindow(now: Date, days: number): { from: string; to: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(now.getTime()), to: day(now.getTime() + days * 86_400_000) };
}

/** One form version's notice: a form filed again (a new `submittedAt`) is told about again. */
export const taxFormExpiryNoticeKey = (partnerId: string, submittedAt: string): string =>
  `${partnerId}:${submittedAt}`;

export function taxFormExpiringEvent(p: {
  id: string;
  partnerId: string;
  formType: string;
  expiresOn: string;
  now: Date;
}): PartnerActionEvent {
  return {
    id: p.id,
    type: 'PartnerTaxFormExpiring',
    occurredAt: p.now.toISOString(),
    aggregate: { type: 'Partner', id: p.partnerId },
    partnerId: p.partnerId,
    data: {
      partnerId: p.partnerId,
      reason: 'TAX_FORM_EXPIRING',
      whatToDo: `Submit a new, signed tax form before ${p.expiresOn}: without a valid, approved form your payouts stop after that day.`,
      formType: p.formType,
      expiresOn: p.expiresOn,
    },
  };
}

export interface FixableSkip {
  partnerId: string;
  reason: PayabilityReason;
  /** Sorted. */
  currencies: string[];
}

/**
 * A run's skips the partner can fix, one per partner (a partner skipped in several currencies for
 * the same partner-level reason hears of it once). Skips for any other reason are left out.
 */
export function fixableSkips(
  skipped: ReadonlyArray<{ partnerId: string; currency: string; reason: string }>,
): FixableSkip[] {
  const byPartner = new Map<string, FixableSkip>();
  for (const s of skipped) {
    if (!isFixableByPartner(s.reason)) continue;
    const seen = byPartner.get(s.partnerId);
    if (!seen)
      byPartner.set(s.partnerId, { partnerId: s.partnerId, reason: s.reason, currencies: [s.currency] });
    else if (!seen.currencies.includes(s.currency)) seen.currencies.push(s.currency);
  }
  return [...byPartner.values()]
    .map((f) => ({ ...f, currencies: [...f.currencies].sort() }))
    .sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
}

export function skippedInSettlementEvent(p: {
  id: string;
  settlementId: string;
  skip: FixableSkip;
  now: Date;
}): PartnerActionEvent {
  return {
    id: p.id,
    type: 'PartnerSkippedInSettlement',
    occurredAt: p.now.toISOString(),
    aggregate: { type: 'Partner', id: p.skip.partnerId },
    partnerId: p.skip.partnerId,
    data: {
      partnerId: p.skip.partnerId,
      reason: p.skip.reason,
      whatToDo: WHAT_TO_DO[p.skip.reason],
      settlementId: p.settlementId,
      currencies: p.skip.currencies,
    },
  };
}
