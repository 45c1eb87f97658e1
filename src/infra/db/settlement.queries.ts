import type { Knex } from 'knex';
import type { TaxFormRequirement } from '../../domain/payability';
import { RUN_FINISHED_PAYOUT_STATUSES } from '../../domain/payment-status';
import type { PartnerBalance, SettlementSkipReason } from '../../domain/settlement-plan';
import type { SettlementRun } from '../../ports/settlement-repository.port';
import type {
  SettlementItemView,
  SettlementPreview,
  SettlementReads,
  SettlementReconciliationCounts,
  SettlementTotals,
  SettlementView,
} from '../../ports/settlement.port';
import {
  BALANCE_GROUP_BY,
  BALANCE_SELECT,
  PAYABLE_SQL,
  readCounters,
  toBalance,
  toSettlementItem,
  toSettlementRun,
  type BalanceRow,
  type SettlementItemRow,
  type SettlementRow,
} from './settlement.repository';

/** Read side of settlement runs: their items joined with the payments' live statuses. */
export class SettlementQueries implements SettlementReads {
  /** `taxForms`: TAX_FORM_REQUIRED, so a dry run skips as the run will (absent: off). */
  constructor(
    private readonly db: Knex,
    private readonly taxForms?: TaxFormRequirement,
  ) {}

  async get(id: string): Promise<SettlementView | undefined> {
    const row = await this.db<SettlementRow>('settlements').where({ id }).first();
    if (!row) return undefined;
    // A counted run is read from its counters: one small read whatever the run's size.
    const counted = row.counted ? await readCounters(this.db, id) : {};
    const rows = Object.keys(counted).length
      ? Object.entries(counted).flatMap(([currency, statuses]) =>
          Object.entries(statuses).map(([status, c]) => ({
            currency,
            status,
            n: c.count,
            amount: c.amountMinor,
          })),
        )
      : await this.scanItems(id);
    return this.summarise(row, rows);
  }

  /** A run planned before counters: its items joined with their payments. */
  private async scanItems(id: string) {
    const { rows } = (await this.db.raw(
      `select i.currency,
              case when i.payment_id is null then 'SKIPPED' else coalesce(p.status, 'NOT_RECORDED') end as status,
              count(*)::int as n,
              sum(i.net_minor)::text as amount
         from settlement_items i left join payments p on p.id = i.payment_id
        where i.settlement_id = ?
        group by 1, 2`,
      [id],
    )) as { rows: Array<{ currency: string; status: string; n: number; amount: string }> };
    return rows;
  }

  private summarise(
    row: SettlementRow,
    rows: ReadonlyArray<{ currency: string; status: string; n: number; amount: string }>,
  ): SettlementView {
    const totals: SettlementTotals = {};
    let finishedCount = 0;
    for (const r of rows) {
      const t = (totals[r.currency] ??= {
        planned: { count: 0, amountMinor: '0' },
        skipped: { count: 0, amountMinor: '0' },
        byStatus: {},
      });
      if (r.status === 'SKIPPED') {
        t.skipped = { count: r.n, amountMinor: r.amount };
        continue;
      }
      t.byStatus[r.status] = { count: r.n, amountMinor: r.amount };
      t.planned = {
        count: t.planned.count + r.n,
        amountMinor: (BigInt(t.planned.amountMinor) + BigInt(r.amount)).toString(),
      };
      if (RUN_FINISHED_PAYOUT_STATUSES.includes(r.status)) finishedCount += r.n;
    }
    return { ...toSettlementRun(row), totals, finishedCount };
  }

  async list(filter: { limit: number; after?: { createdAt: string; id: string } }): Promise<SettlementRun[]> {
    const q = this.db<SettlementRow>('settlements').orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (filter.after) {
      const { createdAt, id } = filter.after;
      q.where((w) =>
        w
          .where('created_at', '<', createdAt)
          .orWhere((x) => x.where('created_at', createdAt).andWhere('id', '<', id)),
      );
    }
    return (await q.limit(filter.limit)).map(toSettlementRun);
  }

  async items(
    id: string,
    filter: { afterSeq: number; limit: number; skipped?: boolean },
  ): Promise<SettlementItemView[]> {
    const q = this.db<SettlementItemRow & { payment_status: string | null }>('settlement_items as i')
      .leftJoin('payments as p', 'p.id', 'i.payment_id')
      .select(
        'i.*',
        this.db.raw(
          `case when i.payment_id is null then null else coalesce(p.status, 'NOT_RECORDED') end as payment_status`,
        ),
      )
      .where('i.settlement_id', id)
      .andWhere('i.seq', '>', filter.afterSeq)
      .orderBy('i.seq')
      .limit(filter.limit);
    if (filter.skipped === true) q.whereNull('i.payment_id');
    if (filter.skipped === false) q.whereNotNull('i.payment_id');
    const rows = (await q) as Array<SettlementItemRow & { payment_status: string | null }>;
    return rows.map((r) => ({ ...toSettlementItem(r), paymentStatus: r.payment_status }));
  }

  async reconciliation(id: string): Promise<SettlementReconciliationCounts> {
    // A payout is counted once the bank took its file (or a statement named it), whatever the
    // number of file items a retried payout has; with no reconciliation row it awaits its statement.
    const { rows } = (await this.db.raw(
      `select coalesce(r.state, 'AWAITING_STATEMENT') as state, count(*)::int as n
         from settlement_items i
         left join reconciliation_payouts r on r.payment_id = i.payment_id
        where i.settlement_id = ? and i.payment_id is not null
          and (r.payment_id is not null
               or exists (select 1 from bank_file_items b
                           where b.payment_id = i.payment_id and b.status in ('FILED', 'ACCEPTED')))
        group by 1`,
      [id],
    )) as { rows: Array<{ state: string; n: number }> };
    const n = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
    return { booked: n('BOOKED'), returned: n('RETURNED'), awaitingStatement: n('AWAITING_STATEMENT') };
  }

  async unstartedCommissions(id: string): Promise<number> {
    const { rows } = (await this.db.raw(
      `select count(*)::int as n from commissions c
        where c.settlement_id = ? and c.status = 'SETTLING'
          and not exists (select 1 from payments p where p.id = c.payment_id)`,
      [id],
    )) as { rows: Array<{ n: number }> };
    return Number(rows[0]?.n ?? 0);
  }

  async preview(id: string, largest: number): Promise<SettlementPreview> {
    const [payouts, top, skipped] = await Promise.all([
      this.db.raw(
        `select currency, count(*)::int as n, sum(net_minor)::text as total
           from settlement_items where settlement_id = ? and payment_id is not null
          group by currency`,
        [id],
      ),
      // The largest per currency: a window over one run's items (one sort, whatever the run's size).
      this.db.raw(
        `select currency, partner_id, payment_id, net_minor::text as net
           from (select i.*, row_number() over (partition by currency order by net_minor desc, seq) as r
                   from settlement_items i where settlement_id = ? and payment_id is not null) ranked
          where r <= ? order by currency, r`,
        [id, largest],
      ),
      this.db.raw(
        `select currency, skip_reason, count(*)::int as n
           from settlement_items where settlement_id = ? and payment_id is null
          group by currency, skip_reason`,
        [id],
      ),
    ]);
    type Rows<T> = { rows: T[] };
    const out: SettlementPreview = {};
    const entry = (c: string) => (out[c] ??= { partners: 0, totalMinor: '0', largest: [], skipped: {} });
    for (const r of (payouts as Rows<{ currency: string; n: number; total: string }>).rows) {
      Object.assign(entry(r.currency), { partners: r.n, totalMinor: BigInt(r.total).toString() });
    }
    for (const r of (top as Rows<{ currency: string; partner_id: string; payment_id: string; net: string }>)
      .rows) {
      entry(r.currency).largest.push({ partnerId: r.partner_id, paymentId: r.payment_id, netMinor: r.net });
    }
    for (const r of (skipped as Rows<{ currency: string; skip_reason: SettlementSkipReason; n: number }>)
      .rows) {
      entry(r.currency).skipped[r.skip_reason] = r.n;
    }
    return out;
  }

  async payableBalances(q: {
    cutoff: string;
    currency: string | null;
    now: string;
  }): Promise<PartnerBalance[]> {
    const { rows } = (await this.db.raw(
      `${BALANCE_SELECT}
        where ${PAYABLE_SQL} and c.settlement_id is null and (c.kind = 'CLAWBACK' or c.occurred_at < ?)
          and (?::text is null or c.currency = ?)
        ${BALANCE_GROUP_BY}`,
      [q.now, q.cutoff, q.currency, q.currency],
    )) as { rows: BalanceRow[] };
    const taxForms = this.taxForms ? { requirement: this.taxForms, now: new Date(q.now) } : undefined;
    return rows.map((r) => toBalance(r, taxForms, new Date(q.now)));
  }
}
