/**
 * Matching a bank statement to the payouts we sent (issue 26 §2), as a pure function: what each
 * new entry means — a payout booked, a payout returned, or an exception — with no I/O. The caller
 * loads what the statement names, applies the decisions in one transaction and keeps the keys
 * that make each decision happen once.
 *
 * Rules, in order: an entry already applied (its AcctSvcrRef seen on an earlier statement or
 * notice) is skipped; a return (RtrInf, or a credit in family RRTN) returns the payout it names;
 * a debit is matched by each transaction's EndToEndId first, then a batch entry by its
 * PmtInfId/MsgId with count and sum; amount and currency must match exactly.
 */

export const RECONCILIATION_STATES = ['AWAITING_STATEMENT', 'BOOKED', 'RETURNED'] as const;
export type ReconciliationState = (typeof RECONCILIATION_STATES)[number];

export const EXCEPTION_KINDS = [
  'UNMATCHED_ENTRY',
  'NOT_BOOKED',
  'AMOUNT_MISMATCH',
  'DUPLICATE_BOOKING',
  'BALANCE_BREAK',
  // The bank returned a payout whose payment is no longer COMPLETED (refunded meanwhile): the money
  // came back twice, or the books disagree — an operator looks, nothing is changed automatically.
  'RETURN_NOT_APPLIED',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export interface StatementLine {
  endToEndId: string | null;
  /** The payment the EndToEndId names, when it has the shape of one of ours. */
  paymentId: string | null;
  amountMinor: bigint | null;
  returnCode: string | null;
  returnText: string | null;
}

export interface StatementEntry {
  /** The bank's id of the entry (AcctSvcrRef, else NtryRef): the same booking has it on every message. */
  ref: string;
  amountMinor: bigint;
  currency: string;
  creditDebit: 'CRDT' | 'DBIT';
  /** Only booked entries are matched; pending and informational ones wait for their booking. */
  booked: boolean;
  bookingDate: string | null;
  batch: {
    messageId: string | null;
    paymentInformationId: string | null;
    count: number | null;
    totalMinor: bigint | null;
  } | null;
  lines: StatementLine[];
  isReturn: boolean;
}

export interface AccountStatement {
  /** Stmt/Id or Ntfctn/Id: a day's statement of one account and currency keeps its id when re-issued. */
  id: string;
  account: string;
  /** camt.053 only: the booked balances. */
  balance: { openingMinor: bigint; closingMinor: bigint; currency: string; date: string | null } | null;
  entries: StatementEntry[];
}

export interface ExpectedPayout {
  paymentId: string;
  amountMinor: bigint;
  currency: string;
  messageId: string | null;
  paymentInformationId: string | null;
  state: ReconciliationState;
}

export interface ExpectedBatch {
  messageId: string;
  paymentInformationId: string;
  count: number;
  totalMinor: bigint;
  currency: string;
  paymentIds: string[];
}

export interface MatchContext {
  /** The payouts the statement names (by payment id), with their state before this statement. */
  payouts: ReadonlyMap<string, ExpectedPayout>;
  /** The files the statement's batch entries name. */
  batches: readonly ExpectedBatch[];
  /** Entry refs already applied for this account. */
  seenEntries: ReadonlySet<string>;
}

export interface ExceptionDraft {
  /** Unique per discrepancy: the same one seen again (a statement re-issued) is not raised twice. */
  key: string;
  kind: ExceptionKind;
  account: string | null;
  reference: string | null;
  amountMinor: bigint | null;
  expectedMinor: bigint | null;
  currency: string | null;
  paymentId: string | null;
  bookingDate: string | null;
  detail: string;
}

export type MatchDecision =
  | { type: 'BOOK'; paymentId: string; entryRef: string; bookingDate: string | null }
  | {
      type: 'RETURN';
      paymentId: string;
      entryRef: string;
      code: string | null;
      text: string | null;
    }
  /** The payout has an entry, but not one that books it (a wrong amount): it is not NOT_BOOKED. */
  | { type: 'SEEN'; paymentId: string; entryRef: string }
  | { type: 'EXCEPTION'; exception: ExceptionDraft };

export interface MatchedLine {
  entryRef: string;
  /** The transaction's EndToEndId, or '-' for the entry as a whole. */
  line: string;
  bookingDate: string | null;
  creditDebit: 'CRDT' | 'DBIT';
  amountMinor: bigint;
  currency: string;
  batchRef: string | null;
  paymentId: string | null;
  matchedAs: 'BOOKED' | 'RETURNED' | 'BATCH' | 'ALREADY_RETURNED' | ExceptionKind;
}

export interface StatementMatch {
  decisions: MatchDecision[];
  lines: MatchedLine[];
}

export function matchStatement(statement: AccountStatement, ctx: MatchContext): StatementMatch {
  const decisions: MatchDecision[] = [];
  const lines: MatchedLine[] = [];
  // States as this statement changes them: a payout booked by an entry above is booked for those below.
  const state = new Map<string, ReconciliationState>();
  const stateOf = (p: ExpectedPayout) => state.get(p.paymentId) ?? p.state;
  const exception = (d: Omit<ExceptionDraft, 'account'>) =>
    decisions.push({ type: 'EXCEPTION', exception: { ...d, account: statement.account } });

  for (const entry of statement.entries) {
    if (!entry.booked || ctx.seenEntries.has(entry.ref)) continue;
    const base = {
      entryRef: entry.ref,
      bookingDate: entry.bookingDate,
      creditDebit: entry.creditDebit,
      currency: entry.currency,
      batchRef: entry.batch?.paymentInformationId ?? entry.batch?.messageId ?? null,
    };
    const unmatched = (line: string, amountMinor: bigint, detail: string) => {
      exception({
        key: `UNMATCHED_ENTRY:${statement.account}:${entry.ref}:${line}`,
        kind: 'UNMATCHED_ENTRY',
        reference: line === '-' ? entry.ref : line,
        amountMinor,
        expectedMinor: null,
        currency: entry.currency,
        paymentId: null,
        bookingDate: entry.bookingDate,
        detail,
      });
      lines.push({ ...base, line, amountMinor, paymentId: null, matchedAs: 'UNMATCHED_ENTRY' });
    };
    const lineAmount = (l: StatementLine) =>
      l.amountMinor ?? (entry.lines.length === 1 ? entry.amountMinor : null);

    if (entry.isReturn || entry.lines.some((l) => l.returnCode !== null)) {
      for (const l of entry.lines.length ? entry.lines : [null]) {
        const payout = l?.paymentId ? ctx.payouts.get(l.paymentId) : undefined;
        const amount = (l && lineAmount(l)) ?? entry.amountMinor;
        if (!l || !payout) {
          unmatched(l?.endToEndId ?? '-', amount, 'a return of a transfer we did not send');
          continue;
        }
        const already = stateOf(payout) === 'RETURNED';
        if (!already) {
          decisions.push({
            type: 'RETURN',
            paymentId: payout.paymentId,
            entryRef: entry.ref,
            code: l.returnCode,
            text: l.returnText,
          });
          state.set(payout.paymentId, 'RETURNED');
        }
        lines.push({
          ...base,
          line: l.endToEndId ?? '-',
          amountMinor: amount,
          paymentId: payout.paymentId,
          matchedAs: already ? 'ALREADY_RETURNED' : 'RETURNED',
        });
      }
      continue;
    }

    if (entry.creditDebit === 'CRDT') {
      unmatched('-', entry.amountMinor, 'a credit that is not a return of ours');
      continue;
    }

    const batch = entry.batch
      ? ctx.batches.find(
          (b) =>
            (entry.batch!.paymentInformationId !== null &&
              b.paymentInformationId === entry.batch!.paymentInformationId) ||
            (entry.batch!.paymentInformationId === null && b.messageId === entry.batch!.messageId),
        )
      : undefined;
    // A batch booked without its transactions: the batch's own payouts, by count and sum.
    const entryLines: StatementLine[] =
      entry.lines.length > 0
        ? entry.lines
        : batch && entry.batch?.count === batch.count && entry.amountMinor === batch.totalMinor
          ? batch.paymentIds.map((paymentId) => ({
              endToEndId: paymentId.replace(/-/g, ''),
              paymentId,
              amountMinor: ctx.payouts.get(paymentId)?.amountMinor ?? null,
              returnCode: null,
              returnText: null,
            }))
          : [];
    if (entryLines.length === 0) {
      if (batch) {
        exception({
          key: `AMOUNT_MISMATCH:${statement.account}:${entry.ref}`,
          kind: 'AMOUNT_MISMATCH',
          reference: entry.batch?.paymentInformationId ?? entry.batch?.messageId ?? entry.ref,
          amountMinor: entry.amountMinor,
          expectedMinor: batch.totalMinor,
          currency: entry.currency,
          paymentId: null,
          bookingDate: entry.bookingDate,
          detail: `batch booked as ${entry.batch?.count ?? '?'} transfers for ${entry.amountMinor}; the file sent ${batch.count} for ${batch.totalMinor}`,
        });
        lines.push({
          ...base,
          line: '-',
          amountMinor: entry.amountMinor,
          paymentId: null,
          matchedAs: 'AMOUNT_MISMATCH',
        });
      } else unmatched('-', entry.amountMinor, 'a debit that names no transfer or file of ours');
      continue;
    }

    let mismatched = false;
    const duplicates: string[] = [];
    for (const l of entryLines) {
      const payout = l.paymentId ? ctx.payouts.get(l.paymentId) : undefined;
      const amount = lineAmount(l) ?? entry.amountMinor;
      const lineKey = l.endToEndId ?? '-';
      if (!payout) {
        unmatched(lineKey, amount, 'an EndToEndId we did not send');
        continue;
      }
      const current = stateOf(payout);
      if (current === 'BOOKED') {
        duplicates.push(payout.paymentId);
        lines.push({
          ...base,
          line: lineKey,
          amountMinor: amount,
          paymentId: payout.paymentId,
          matchedAs: 'DUPLICATE_BOOKING',
        });
        continue;
      }
      if (amount !== payout.amountMinor || entry.currency !== payout.currency) {
        mismatched = true;
        exception({
          key: `AMOUNT_MISMATCH:${statement.account}:${entry.ref}:${lineKey}`,
          kind: 'AMOUNT_MISMATCH',
          reference: lineKey,
          amountMinor: amount,
          expectedMinor: payout.amountMinor,
          currency: entry.currency,
          paymentId: payout.paymentId,
          bookingDate: entry.bookingDate,
          detail: `booked ${amount} ${entry.currency}; the payout is ${payout.amountMinor} ${payout.currency}`,
        });
        decisions.push({ type: 'SEEN', paymentId: payout.paymentId, entryRef: entry.ref });
        lines.push({
          ...base,
          line: lineKey,
          amountMinor: amount,
          paymentId: payout.paymentId,
          matchedAs: 'AMOUNT_MISMATCH',
        });
        continue;
      }
      // A payout returned before its booking was read stays RETURNED.
      if (current !== 'RETURNED') {
        decisions.push({
          type: 'BOOK',
          paymentId: payout.paymentId,
          entryRef: entry.ref,
          bookingDate: entry.bookingDate,
        });
        state.set(payout.paymentId, 'BOOKED');
      }
      lines.push({
        ...base,
        line: lineKey,
        amountMinor: amount,
        paymentId: payout.paymentId,
        matchedAs: 'BOOKED',
      });
    }
    if (duplicates.length > 0) {
      exception({
        key: `DUPLICATE_BOOKING:${statement.account}:${entry.ref}`,
        kind: 'DUPLICATE_BOOKING',
        reference: entry.batch?.paymentInformationId ?? entryLines[0]?.endToEndId ?? entry.ref,
        amountMinor: entry.amountMinor,
        expectedMinor: null,
        currency: entry.currency,
        paymentId: duplicates.length === 1 ? duplicates[0]! : null,
        bookingDate: entry.bookingDate,
        detail: `booked again (entry ${entry.ref}): ${duplicates.length} payout(s) already booked`,
      });
    }
    // The batch's own count and sum, when its transactions each matched: a short or padded batch.
    if (batch && !mismatched && duplicates.length === 0 && entry.batch) {
      const count = entry.batch.count ?? entryLines.length;
      if (
        count !== batch.count ||
        entry.amountMinor !== batch.totalMinor ||
        entry.currency !== batch.currency
      ) {
        exception({
          key: `AMOUNT_MISMATCH:${statement.account}:${entry.ref}`,
          kind: 'AMOUNT_MISMATCH',
          reference: batch.paymentInformationId,
          amountMinor: entry.amountMinor,
          expectedMinor: batch.totalMinor,
          currency: entry.currency,
          paymentId: null,
          bookingDate: entry.bookingDate,
          detail: `batch booked as ${count} transfers for ${entry.amountMinor}; the file sent ${batch.count} for ${batch.totalMinor}`,
        });
      }
    }
  }

  if (statement.balance) {
    const { openingMinor, closingMinor, currency, date } = statement.balance;
    const net = statement.entries
      .filter((e) => e.booked)
      .reduce((sum, e) => sum + (e.creditDebit === 'CRDT' ? e.amountMinor : -e.amountMinor), 0n);
    const difference = closingMinor - (openingMinor + net);
    if (difference !== 0n) {
      exception({
        key: `BALANCE_BREAK:${statement.account}:${statement.id}`,
        kind: 'BALANCE_BREAK',
        reference: statement.id,
        amountMinor: closingMinor,
        expectedMinor: openingMinor + net,
        currency,
        paymentId: null,
        bookingDate: date,
        detail: `opening ${openingMinor} + entries ${net} ≠ closing ${closingMinor} (difference ${difference})`,
      });
    }
  }
  return { decisions, lines };
}

/** A payout the bank accepted that no entry has named yet. */
export interface AwaitingPayout {
  paymentId: string;
  amountMinor: bigint;
  currency: string;
  account: string;
  executionDate: string;
  /** When the file went to the bank. */
  sentAt: Date;
}

export type Grace = { kind: 'banking-days'; days: number } | { kind: 'duration'; ms: number };

/** `days` banking days (Monday to Friday; no holiday calendar) after `date` (YYYY-MM-DD). */
export function addBankingDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left -= 1;
  }
  return d.toISOString().slice(0, 10);
}

/** Payouts past their grace with no booking: a NOT_BOOKED exception each (once, by payment). */
export function overduePayouts(
  awaiting: readonly AwaitingPayout[],
  now: Date,
  grace: Grace,
): ExceptionDraft[] {
  const today = now.toISOString().slice(0, 10);
  return awaiting
    .filter((p) =>
      grace.kind === 'duration'
        ? now.getTime() - p.sentAt.getTime() > grace.ms
        : today > addBankingDays(p.executionDate, grace.days),
    )
    .map((p) => ({
      key: `NOT_BOOKED:${p.paymentId}`,
      kind: 'NOT_BOOKED' as const,
      account: p.account,
      reference: p.paymentId.replace(/-/g, ''),
      amountMinor: p.amountMinor,
      expectedMinor: p.amountMinor,
      currency: p.currency,
      paymentId: p.paymentId,
      bookingDate: null,
      detail:
        grace.kind === 'duration'
          ? `not booked within ${grace.ms} ms of its file being sent`
          : `not booked within ${grace.days} banking days of ${p.executionDate}`,
    }));
}
