import { writeOffGapMinor } from '../../domain/reconciliation-exception.aggregate';
import { EXCEPTION_KINDS } from '../../domain/statement-matching';
import type {
  ReconciliationDay,
  ReconciliationException,
  ReconciliationExceptionKind,
  ResolveExceptionRequest,
} from './api-client';
import { compareMinor, formatMinor, formatMinorString } from './money-format';

/**
 * What the Reconciliation page derives from the API's answers, kept pure so it is unit tested
 * without a browser: the day rows and whether they add up, the exception queue's order and filter,
 * who may do what with an exception, and what a resolution needs before it is sent.
 */

export const EXCEPTION_KIND_CHOICES: readonly ReconciliationExceptionKind[] = EXCEPTION_KINDS;

const KIND_LABELS: Record<ReconciliationExceptionKind, string> = {
  UNMATCHED_ENTRY: 'Unmatched entry',
  NOT_BOOKED: 'Not booked',
  AMOUNT_MISMATCH: 'Amount mismatch',
  DUPLICATE_BOOKING: 'Duplicate booking',
  BALANCE_BREAK: 'Balance break',
  RETURN_NOT_APPLIED: 'Return not applied',
};

export const kindLabel = (kind: ReconciliationExceptionKind): string => KIND_LABELS[kind] ?? kind;

export type QueueShow = 'open' | 'all';

export interface QueueFilter {
  /** '' is every kind. */
  kind: ReconciliationExceptionKind | '';
  /** `open`: what still needs someone (open, or awaiting a second operator). */
  show: QueueShow;
}

export const initialQueueFilter: QueueFilter = { kind: '', show: 'open' };

/** The queue as an operator works it: oldest first (ties by id), narrowed by kind and status. */
export function exceptionQueue(
  items: readonly ReconciliationException[],
  filter: QueueFilter,
): ReconciliationException[] {
  return items
    .filter(
      (e) =>
        (filter.kind === '' || e.kind === filter.kind) && (filter.show === 'all' || e.status !== 'RESOLVED'),
    )
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id);
}

/** What writing it off gives up, in minor units: the domain's own rule. */
export const writeOffMinor = (e: ReconciliationException): bigint =>
  writeOffGapMinor(
    e.amountMinor === null ? null : BigInt(e.amountMinor),
    e.expectedMinor === null ? null : BigInt(e.expectedMinor),
  );

/** A write-off the API will hold for a second operator (202), told before the first one submits. */
export const needsSecondOperator = (e: ReconciliationException, aboveMinor: number): boolean =>
  writeOffMinor(e) > BigInt(aboveMinor);

/**
 * What the signed-in key may do with an exception: resolve it (open), confirm another operator's
 * write-off, nothing while its own proposal waits for someone else, nothing once resolved, and
 * nothing at all without an operator's role.
 */
export type ExceptionAction = 'resolve' | 'confirm' | 'own-proposal' | 'resolved' | 'read-only';

export function actionFor(
  e: ReconciliationException,
  who: { canAct: boolean; actor: string | undefined },
): ExceptionAction {
  if (e.status === 'RESOLVED') return 'resolved';
  if (!who.canAct) return 'read-only';
  if (e.status === 'AWAITING_SECOND_APPROVAL')
    return who.actor !== undefined && e.proposedBy === who.actor ? 'own-proposal' : 'confirm';
  return 'resolve';
}

export const REASON_MIN = 3;
export const REASON_MAX = 2000;

export type ResolutionDraft = { ok: true; body: ResolveExceptionRequest } | { ok: false; message: string };

/** The form's text as the API's body, or why not (the API's own limits, so it never answers 400). */
export function resolutionDraft(
  resolution: ResolveExceptionRequest['resolution'],
  reason: string,
): ResolutionDraft {
  const text = reason.trim();
  if (text.length < REASON_MIN)
    return { ok: false, message: `a reason of at least ${REASON_MIN} characters` };
  if (text.length > REASON_MAX) return { ok: false, message: `at most ${REASON_MAX} characters` };
  return { ok: true, body: { resolution, reason: text } };
}

/** An amount as the bank wrote it (or as we expected it), in the currency's digits; '—' when none. */
export function exceptionMoney(amountMinor: number | null, currency: string | null, locale?: string): string {
  if (amountMinor === null) return '—';
  return currency ? formatMinor(amountMinor, currency, locale) : `${amountMinor} (minor units)`;
}

export interface DayRow {
  key: string;
  day: ReconciliationDay;
  expected: string;
  booked: string;
  returned: string;
  awaiting: string;
  /** Every payout of the day is booked or returned, for the amounts expected. */
  settled: boolean;
}

/** Newest day first, then account and currency; amounts formatted exactly (decimal strings). */
export function dayRows(days: readonly ReconciliationDay[], locale?: string): DayRow[] {
  const money = (amount: string, currency: string) => formatMinorString(amount, currency, locale);
  return [...days]
    .sort(
      (a, b) =>
        b.date.localeCompare(a.date) ||
        a.account.localeCompare(b.account) ||
        a.currency.localeCompare(b.currency),
    )
    .map((d) => {
      const accounted = (BigInt(d.booked.amountMinor) + BigInt(d.returned.amountMinor)).toString();
      return {
        key: `${d.date}|${d.account}|${d.currency}`,
        day: d,
        expected: money(d.expected.amountMinor, d.currency),
        booked: money(d.booked.amountMinor, d.currency),
        returned: money(d.returned.amountMinor, d.currency),
        awaiting: money(d.awaiting.amountMinor, d.currency),
        settled: d.awaiting.count === 0 && compareMinor(accounted, d.expected.amountMinor) === 0,
      };
    });
}

/** The API's status filters a view needs: `open` is two queries (each oldest first, up to its limit). */
export const statusesFor = (show: QueueShow): Array<ReconciliationException['status'] | ''> =>
  show === 'open' ? ['OPEN', 'AWAITING_SECOND_APPROVAL'] : [''];
