import type { Knex } from 'knex';
import type { PaymentSnapshot } from '../../domain/payment.aggregate';
import type {
  PaymentListFilter,
  PaymentReads,
  PaymentView,
  PayoutAttemptView,
} from '../../ports/payment.port';
import { completeStatement, type RemittanceStatement } from '../../domain/remittance-statement';
import { readEvents } from './event-log';
import { toSnapshot, type LineRow, type PaymentRow } from './payment.repository';
import { newestFirst } from './keyset-page.util';

/** Read side of payments: plain queries over the read model, no aggregate rules involved. */
export class PaymentQueries implements PaymentReads {
  constructor(private readonly db: Knex) {}

  async getById(id: string): Promise<PaymentView | undefined> {
    const row = await this.db<PaymentRow>('payments').where({ id }).first();
    if (!row) return undefined;
    const [lines, events, attempts, reconciliation] = await Promise.all([
      this.db<LineRow>('payment_lines').where({ payment_id: id }),
      readEvents(this.db, { aggregateId: id }),
      this.db('payout_attempts')
        .where({ payment_id: id })
        .andWhere('attempt', '>', 0)
        .orderBy('attempt') as Promise<
        Array<{
          attempt: number;
          provider: string;
          status: PayoutAttemptView['status'];
          reason: string | null;
          reference: string | null;
          updated_at: Date | string;
        }>
      >,
      this.reconciliationOf(id),
    ]);
    const view: PaymentView = {
      ...toSnapshot(row, lines),
      events,
      ...(reconciliation ? { reconciliation } : {}),
    };
    if (attempts.length === 0) return view;
    const shown = attempts.map((a) => ({
      attempt: a.attempt,
      provider: a.provider,
      status: a.status,
      reason: a.reason,
      reference: a.reference,
      at: new Date(a.updated_at).toISOString(),
    }));
    // The provider of the last attempt: the one that paid, or the one still asked.
    return { ...view, payout: { provider: shown.at(-1)!.provider, attempts: shown } };
  }

  /** A file-rail payout the bank took: its reconciliation row, else still AWAITING_STATEMENT. */
  private async reconciliationOf(id: string): Promise<PaymentView['reconciliation']> {
    const row = (await this.db('bank_file_items as i')
      .leftJoin('reconciliation_payouts as r', 'r.payment_id', 'i.payment_id')
      .where('i.payment_id', id)
      .whereIn('i.status', ['FILED', 'ACCEPTED'])
      .first('r.state')) as { state: PaymentView['reconciliation'] | null } | undefined;
    if (!row) return undefined;
    return row.state ?? 'AWAITING_STATEMENT';
  }

  async statement(id: string): Promise<RemittanceStatement | undefined> {
    const row = await this.db<PaymentRow>('payments').where({ id }).first();
    if (!row) return undefined;
    const [lines, partner, run, entries] = await Promise.all([
      this.db<LineRow>('payment_lines').where({ payment_id: id }).orderBy('position'),
      this.db('partners').where({ id: row.partner_id }).first('name') as Promise<
        { name: string } | undefined
      >,
      this.db('settlement_items as i')
        .join('settlements as s', 's.id', 'i.settlement_id')
        .where('i.payment_id', id)
        .first('s.id', 's.period_end') as Promise<{ id: string; period_end: string } | undefined>,
      this.db('commissions')
        .where({ payment_id: id })
        .orWhereIn(
          'external_ref',
          this.db('payment_lines').where({ payment_id: id }).select('reference'),
        ) as Promise<Array<{ external_ref: string; kind: string; occurred_at: Date | string }>>,
    ]);
    const byRef = new Map(entries.map((c) => [c.external_ref, c]));
    return completeStatement({
      paymentId: row.id,
      partner: { id: row.partner_id, name: partner?.name ?? '(unknown partner)' },
      currency: row.currency,
      status: row.status,
      settlementId: run?.id ?? null,
      periodEnd: run?.period_end ?? null,
      createdAt: new Date(row.created_at).toISOString(),
      payoutReference: row.payout_reference,
      lines: lines.map((l) => {
        const entry = run ? byRef.get(l.reference) : undefined;
        const amountMinor = Number(l.amount_minor);
        return {
          reference: l.reference,
          kind: amountMinor < 0 ? 'CLAWBACK' : 'COMMISSION',
          description: l.description,
          occurredAt: entry ? new Date(entry.occurred_at).toISOString() : null,
          amountMinor,
        };
      }),
    });
  }

  /** Newest first, keyset-paginated on (created_at, id), with the lines of each payment. */
  async list(f: PaymentListFilter): Promise<PaymentSnapshot[]> {
    const q = this.db<PaymentRow>('payments');
    if (f.partnerId) q.where('partner_id', f.partnerId);
    if (f.status) q.where('status', f.status);
    if (f.currency) q.where('currency', f.currency);
    if (f.createdFrom) q.where('created_at', '>=', f.createdFrom);
    if (f.createdTo) q.where('created_at', '<', f.createdTo);
    newestFirst(q, f.after);
    const rows = await q.limit(f.limit);
    if (rows.length === 0) return [];
    const lines = await this.db<LineRow>('payment_lines').whereIn(
      'payment_id',
      rows.map((r) => r.id),
    );
    return rows.map((r) =>
      toSnapshot(
        r,
        lines.filter((l) => l.payment_id === r.id),
      ),
    );
  }
}
