import type { Knex } from 'knex';
import {
  ReconciliationException,
  type ReconciliationExceptionSnapshot,
} from '../../domain/reconciliation-exception.aggregate';
import type {
  AwaitingPayout,
  ExceptionDraft,
  ExceptionKind,
  ExpectedBatch,
  ExpectedPayout,
  MatchedLine,
  ReconciliationState,
} from '../../domain/statement-matching';
import type {
  ExceptionView,
  PayoutStateChange,
  ReceivedStatement,
  ReconciliationDay,
  ReconciliationReads,
  ReconciliationStore,
  ReconciliationTransactionScope,
  ReconciliationUnitOfWork,
  ReportRow,
} from '../../ports/reconciliation.port';
import { KnexAuditLog } from './audit-log';
import { KnexCommissionRepository } from './commission.repository';
import { KnexEventLog } from './event-log';
import { KnexPaymentRepository } from './payment.repository';
import { KnexPartnerNoticeOutbox } from './partner-notice-outbox';
import { KnexPartnerRepository } from './partner.repository';
import { KnexSettlementRepository } from './settlement.repository';
import type { CommitListener } from './unit-of-work';

/** Transfers the bank took: its file was sent and not refused, and the transfer not rejected. */
const ACCEPTED_ITEMS = ['FILED', 'ACCEPTED'];

const day = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? v.toISOString().slice(0, 10)
      : String(v).slice(0, 10);
const iso = (v: unknown): string => new Date(v as string).toISOString();
const big = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as string));

interface ExceptionRow {
  id: number;
  key: string;
  kind: ExceptionKind;
  account: string | null;
  reference: string | null;
  amount_minor: string | null;
  expected_minor: string | null;
  currency: string | null;
  payment_id: string | null;
  msg_id: string | null;
  booking_date: Date | string | null;
  detail: string;
  status: ReconciliationExceptionSnapshot['status'];
  resolution: ReconciliationExceptionSnapshot['resolution'];
  reason: string | null;
  proposed_by: string | null;
  resolved_by: string | null;
  created_at: Date | string;
  resolved_at: Date | string | null;
  version: number;
}

const snapshotOf = (r: ExceptionRow): ReconciliationExceptionSnapshot => ({
  id: r.id,
  key: r.key,
  kind: r.kind,
  account: r.account,
  reference: r.reference,
  amountMinor: big(r.amount_minor),
  expectedMinor: big(r.expected_minor),
  currency: r.currency,
  paymentId: r.payment_id,
  bookingDate: day(r.booking_date),
  detail: r.detail,
  status: r.status,
  resolution: r.resolution,
  reason: r.reason,
  proposedBy: r.proposed_by,
  resolvedBy: r.resolved_by,
  createdAt: iso(r.created_at),
  resolvedAt: r.resolved_at === null ? null : iso(r.resolved_at),
  version: r.version,
});

/** Reconciliation's tables inside one transaction. */
export class KnexReconciliationStore implements ReconciliationStore {
  constructor(private readonly trx: Knex | Knex.Transaction) {}

  async recordStatement(s: ReceivedStatement): Promise<boolean> {
    // Statements that share entries (a day's camt.053 and its camt.054s) are applied one at a time.
    await this.trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['alpes-reconciliation']);
    const inserted = await this.trx('reconciliation_statements')
      .insert({
        msg_id: s.messageId,
        kind: s.kind,
        source: s.source,
        account: s.account,
        entry_count: s.entryCount,
        xml: s.xml,
        received_by: s.receivedBy,
        received_at: s.at,
      })
      .onConflict('msg_id')
      .ignore()
      .returning('msg_id');
    return inserted.length === 1;
  }

  async seenEntries(account: string, refs: readonly string[]): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows = await this.trx('reconciliation_entries')
      .distinct('entry_ref')
      .where({ account })
      .whereIn('entry_ref', [...refs]);
    return new Set(rows.map((r: { entry_ref: string }) => r.entry_ref));
  }

  async expectedPayouts(paymentIds: readonly string[]): Promise<ExpectedPayout[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.trx('bank_file_items as i')
      .leftJoin('bank_files as f', 'f.msg_id', 'i.msg_id')
      .leftJoin('reconciliation_payouts as r', 'r.payment_id', 'i.payment_id')
      .whereIn('i.payment_id', [...paymentIds])
      .whereIn('i.status', ACCEPTED_ITEMS)
      .select('i.payment_id', 'i.amount_minor', 'i.currency', 'i.msg_id', 'f.pmt_inf_id', 'r.state');
    return rows.map((r) => ({
      paymentId: r.payment_id as string,
      amountMinor: BigInt(r.amount_minor as string),
      currency: r.currency as string,
      messageId: (r.msg_id as string | null) ?? null,
      paymentInformationId: (r.pmt_inf_id as string | null) ?? null,
      state: ((r.state as ReconciliationState | null) ?? 'AWAITING_STATEMENT') as ReconciliationState,
    }));
  }

  async expectedBatches(refs: {
    paymentInformationIds: readonly string[];
    messageIds: readonly string[];
  }): Promise<ExpectedBatch[]> {
    if (refs.paymentInformationIds.length + refs.messageIds.length === 0) return [];
    const files = await this.trx('bank_files')
      .whereIn('pmt_inf_id', [...refs.paymentInformationIds])
      .orWhereIn('msg_id', [...refs.messageIds])
      .select('msg_id', 'pmt_inf_id', 'currency');
    if (files.length === 0) return [];
    const items = await this.trx('bank_file_items')
      .whereIn(
        'msg_id',
        files.map((f) => f.msg_id as string),
      )
      .whereIn('status', ACCEPTED_ITEMS)
      .select('msg_id', 'payment_id', 'amount_minor')
      .orderBy('payment_id');
    return files.map((f) => {
      const mine = items.filter((i) => i.msg_id === f.msg_id);
      return {
        messageId: f.msg_id as string,
        paymentInformationId: f.pmt_inf_id as string,
        currency: f.currency as string,
        // What the bank was to book: the transfers it took (a rejected one is not in the batch's booking).
        count: mine.length,
        totalMinor: mine.reduce((s, i) => s + BigInt(i.amount_minor as string), 0n),
        paymentIds: mine.map((i) => i.payment_id as string),
      };
    });
  }

  async recordLines(
    account: string,
    messageId: string,
    lines: readonly MatchedLine[],
    at: Date,
  ): Promise<void> {
    if (lines.length === 0) return;
    await this.trx('reconciliation_entries')
      .insert(
        lines.map((l) => ({
          account,
          entry_ref: l.entryRef,
          line: l.line,
          msg_id: messageId,
          booking_date: l.bookingDate,
          credit_debit: l.creditDebit,
          amount_minor: l.amountMinor.toString(),
          currency: l.currency,
          batch_ref: l.batchRef,
          payment_id: l.paymentId,
          matched_as: l.matchedAs,
          created_at: at,
        })),
      )
      .onConflict(['account', 'entry_ref', 'line'])
      .ignore();
  }

  async setPayoutState(paymentId: string, c: PayoutStateChange): Promise<void> {
    await this.trx('reconciliation_payouts')
      .insert({
        payment_id: paymentId,
        state: c.state,
        entry_ref: c.entryRef,
        booking_date: c.bookingDate ?? null,
        return_code: c.returnCode ?? null,
        return_reason: c.returnReason ?? null,
        returned_at: c.state === 'RETURNED' ? c.at : null,
        updated_at: c.at,
      })
      .onConflict('payment_id')
      .merge(
        c.state === 'RETURNED'
          ? ['state', 'return_code', 'return_reason', 'returned_at', 'updated_at']
          : ['state', 'entry_ref', 'booking_date', 'updated_at'],
      );
  }

  async notePayoutSeen(paymentId: string, entryRef: string, at: Date): Promise<void> {
    await this.trx('reconciliation_payouts')
      .insert({ payment_id: paymentId, state: 'AWAITING_STATEMENT', entry_ref: entryRef, updated_at: at })
      .onConflict('payment_id')
      .ignore();
  }

  async raise(drafts: readonly ExceptionDraft[], at: Date): Promise<number> {
    if (drafts.length === 0) return 0;
    const inserted = await this.trx('reconciliation_exceptions')
      .insert(
        drafts.map((d) => ({
          key: d.key,
          kind: d.kind,
          account: d.account,
          reference: d.reference,
          amount_minor: d.amountMinor?.toString() ?? null,
          expected_minor: d.expectedMinor?.toString() ?? null,
          currency: d.currency,
          payment_id: d.paymentId,
          booking_date: d.bookingDate,
          detail: d.detail.slice(0, 2_000),
          status: 'OPEN',
          created_at: at,
        })),
      )
      .onConflict('key')
      .ignore()
      .returning('id');
    return inserted.length;
  }

  async awaitingPayouts(): Promise<AwaitingPayout[]> {
    const rows = await this.trx('bank_file_items as i')
      .join('bank_files as f', 'f.msg_id', 'i.msg_id')
      .leftJoin('reconciliation_payouts as r', 'r.payment_id', 'i.payment_id')
      .whereIn('i.status', ACCEPTED_ITEMS)
      .whereNull('r.payment_id')
      .whereNotExists((q) =>
        q
          .select(this.trx.raw('1'))
          .from('reconciliation_exceptions as x')
          .whereRaw('x.payment_id = i.payment_id')
          .andWhere('x.kind', 'NOT_BOOKED'),
      )
      .select(
        'i.payment_id',
        'i.amount_minor',
        'i.currency',
        'i.execution_date',
        'f.debtor_iban',
        'f.submitted_at',
        'f.created_at',
      );
    return rows.map((r) => ({
      paymentId: r.payment_id as string,
      amountMinor: BigInt(r.amount_minor as string),
      currency: r.currency as string,
      account: r.debtor_iban as string,
      executionDate: day(r.execution_date)!,
      sentAt: new Date((r.submitted_at ?? r.created_at) as string),
    }));
  }

  async findException(id: number): Promise<ReconciliationException | undefined> {
    const row = (await this.trx('reconciliation_exceptions').where({ id }).forUpdate().first()) as
      ExceptionRow | undefined;
    return row ? ReconciliationException.fromSnapshot(snapshotOf(row)) : undefined;
  }

  async saveException(e: ReconciliationException): Promise<void> {
    const s = e.toSnapshot();
    await this.trx('reconciliation_exceptions').where({ id: s.id }).update({
      status: s.status,
      resolution: s.resolution,
      reason: s.reason,
      proposed_by: s.proposedBy,
      resolved_by: s.resolvedBy,
      resolved_at: s.resolvedAt,
      version: s.version,
    });
  }

  async cursor(channel: string): Promise<string | null> {
    const row = await this.trx('reconciliation_cursor').where({ channel }).first();
    return (row?.cursor as string | null | undefined) ?? null;
  }

  async setCursor(channel: string, cursor: string | null, at: Date): Promise<void> {
    await this.trx('reconciliation_cursor')
      .insert({ channel, cursor, updated_at: at })
      .onConflict('channel')
      .merge(['cursor', 'updated_at']);
  }
}

/** One knex transaction per statement or resolution. */
export class KnexReconciliationUnitOfWork implements ReconciliationUnitOfWork {
  private readonly listeners = new Set<CommitListener>();

  /** `noticeTaskQueue`: where a return's partner notice goes (the notification task queue). */
  constructor(
    private readonly db: Knex,
    private readonly opts: { noticeTaskQueue?: string } = {},
  ) {}

  /** Commits that may have written events (a return): the embedded mode wakes the live UI. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run<T>(work: (tx: ReconciliationTransactionScope) => Promise<T>): Promise<T> {
    const result = await this.db.transaction((trx) =>
      work({
        reconciliation: new KnexReconciliationStore(trx),
        payments: new KnexPaymentRepository(trx),
        commissions: new KnexCommissionRepository(trx),
        partners: new KnexPartnerRepository(trx),
        partnerNotices: new KnexPartnerNoticeOutbox(trx, this.opts.noticeTaskQueue ?? 'notifications'),
        settlements: new KnexSettlementRepository(trx),
        events: new KnexEventLog(trx),
        audit: new KnexAuditLog(trx),
      }),
    );
    for (const l of this.listeners) l();
    return result;
  }
}

const viewOf = (r: ExceptionRow, now: Date): ExceptionView => {
  const s = snapshotOf(r);
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    account: s.account,
    reference: s.reference,
    amountMinor: s.amountMinor === null ? null : Number(s.amountMinor),
    expectedMinor: s.expectedMinor === null ? null : Number(s.expectedMinor),
    currency: s.currency,
    paymentId: s.paymentId,
    bookingDate: s.bookingDate,
    detail: s.detail,
    createdAt: s.createdAt,
    ageSeconds: Math.max(
      0,
      Math.floor(
        ((s.resolvedAt ? Date.parse(s.resolvedAt) : now.getTime()) - Date.parse(s.createdAt)) / 1000,
      ),
    ),
    resolution: s.resolution,
    reason: s.reason,
    proposedBy: s.proposedBy,
    resolvedBy: s.resolvedBy,
    resolvedAt: s.resolvedAt,
  };
};

/** What operators read: the exception queue (oldest first) and a day's report. */
export class ReconciliationQueries implements ReconciliationReads {
  constructor(
    private readonly db: Knex,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async exceptions(filter: {
    kind?: ExceptionKind;
    status?: ReconciliationExceptionSnapshot['status'];
    limit: number;
  }): Promise<ExceptionView[]> {
    const q = this.db<ExceptionRow>('reconciliation_exceptions').orderBy('id').limit(filter.limit);
    if (filter.kind) q.where({ kind: filter.kind });
    if (filter.status) q.where({ status: filter.status });
    const now = this.clock();
    return (await q).map((r) => viewOf(r as ExceptionRow, now));
  }

  async exception(id: number): Promise<ExceptionView | undefined> {
    const row = await this.db<ExceptionRow>('reconciliation_exceptions').where({ id }).first();
    return row ? viewOf(row as ExceptionRow, this.clock()) : undefined;
  }

  async days(range: { from: string; to: string }): Promise<ReconciliationDay[]> {
    const { rows } = (await this.db.raw(
      `select to_char(i.execution_date, 'YYYY-MM-DD') as date, f.debtor_iban as account, i.currency,
              coalesce(r.state, 'AWAITING_STATEMENT') as state,
              count(*)::int as n, sum(i.amount_minor)::text as amount
         from bank_file_items i
         join bank_files f on f.msg_id = i.msg_id
         left join reconciliation_payouts r on r.payment_id = i.payment_id
        where i.status in ('FILED', 'ACCEPTED') and i.execution_date between ? and ?
        group by 1, 2, 3, 4
        order by 1 desc, 2, 3`,
      [range.from, range.to],
    )) as {
      rows: Array<{
        date: string;
        account: string;
        currency: string;
        state: string;
        n: number;
        amount: string;
      }>;
    };
    const zero = () => ({ count: 0, amountMinor: '0' });
    const out = new Map<string, ReconciliationDay>();
    for (const r of rows) {
      const key = `${r.date}|${r.account}|${r.currency}`;
      let d = out.get(key);
      if (!d) {
        d = {
          date: r.date,
          account: r.account,
          currency: r.currency,
          expected: zero(),
          booked: zero(),
          returned: zero(),
          awaiting: zero(),
        };
        out.set(key, d);
      }
      const add = (t: { count: number; amountMinor: string }) => {
        t.count += Number(r.n);
        t.amountMinor = (BigInt(t.amountMinor) + BigInt(r.amount)).toString();
      };
      add(d.expected);
      add(r.state === 'BOOKED' ? d.booked : r.state === 'RETURNED' ? d.returned : d.awaiting);
    }
    return [...out.values()];
  }

  async report(date: string): Promise<ReportRow[]> {
    const payouts = await this.db('bank_file_items as i')
      .join('bank_files as f', 'f.msg_id', 'i.msg_id')
      .leftJoin('reconciliation_payouts as r', 'r.payment_id', 'i.payment_id')
      .where('i.execution_date', date)
      .whereIn('i.status', ACCEPTED_ITEMS)
      .orderBy('i.payment_id')
      .select(
        'i.payment_id',
        'i.end_to_end_id',
        'i.amount_minor',
        'i.currency',
        'f.pmt_inf_id',
        'f.debtor_iban',
        'r.state',
        'r.entry_ref',
        'r.booking_date',
      );
    const entries = await this.db('reconciliation_entries')
      .where('booking_date', date)
      .orderBy(['account', 'entry_ref', 'line']);
    return [
      ...payouts.map((p): ReportRow => ({
        source: 'PAYOUT',
        paymentId: p.payment_id,
        endToEndId: p.end_to_end_id,
        entryRef: p.entry_ref ?? null,
        batchRef: p.pmt_inf_id,
        account: p.debtor_iban,
        bookingDate: day(p.booking_date),
        creditDebit: 'DBIT',
        amountMinor: Number(p.amount_minor),
        currency: p.currency,
        matchedAs: p.state ?? 'AWAITING_STATEMENT',
      })),
      ...entries.map((e): ReportRow => ({
        source: 'ENTRY',
        paymentId: e.payment_id,
        endToEndId: e.line === '-' ? null : e.line,
        entryRef: e.entry_ref,
        batchRef: e.batch_ref,
        account: e.account,
        bookingDate: day(e.booking_date),
        creditDebit: e.credit_debit,
        amountMinor: Number(e.amount_minor),
        currency: e.currency,
        matchedAs: e.matched_as,
      })),
    ];
  }
}
