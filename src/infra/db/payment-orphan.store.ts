import type { Knex } from 'knex';
import type { PaymentExecutionStatus } from '../../domain/payment-orphan';
import type { PaymentStatus } from '../../domain/payment-status';
import type { OrphanFinding, PaymentOrphan, PaymentOrphanStore } from '../../ports/payment-orphan.port';

interface OrphanRow {
  payment_id: string;
  partner_id: string;
  currency: string;
  total_minor: string | number;
  payment_status: string;
  workflow_status: string;
  workflow_run_id: string | null;
  orphaned_at: Date | string;
  detected_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

export class KnexPaymentOrphanStore implements PaymentOrphanStore {
  constructor(private readonly db: Knex) {}

  async reconcile(found: OrphanFinding[], checked: string[], at: Date): Promise<{ added: string[] }> {
    return this.db.transaction(async (trx) => {
      const known = new Set(
        (
          await trx('payment_orphans')
            .whereNull('closed_at')
            .whereIn(
              'payment_id',
              found.map((f) => f.paymentId),
            )
            .select('payment_id')
        ).map((r: { payment_id: string }) => r.payment_id),
      );
      const added: string[] = [];
      for (const f of found) {
        const fields = {
          payment_status: f.paymentStatus,
          workflow_status: f.workflowStatus,
          workflow_run_id: f.workflowRunId,
          last_seen_at: at,
        };
        if (known.has(f.paymentId)) {
          await trx('payment_orphans').where({ payment_id: f.paymentId }).update(fields);
          continue;
        }
        // A payment orphaned again after an earlier recovery reopens its row.
        await trx('payment_orphans')
          .insert({
            payment_id: f.paymentId,
            ...fields,
            orphaned_at: f.closedAt ?? at,
            detected_at: at,
            closed_at: null,
            resolution: null,
            recovered_by: null,
            recovered_run_id: null,
          })
          .onConflict('payment_id')
          .merge();
        added.push(f.paymentId);
      }
      const still = new Set(found.map((f) => f.paymentId));
      const gone = checked.filter((id) => !still.has(id));
      if (gone.length) {
        await trx('payment_orphans')
          .whereIn('payment_id', gone)
          .whereNull('closed_at')
          .update({ closed_at: at, resolution: 'RESOLVED' });
      }
      return { added };
    });
  }

  async open(limit: number): Promise<PaymentOrphan[]> {
    const rows = (await this.db('payment_orphans as o')
      .join('payments as p', 'p.id', 'o.payment_id')
      .whereNull('o.closed_at')
      .orderBy([
        { column: 'o.orphaned_at', order: 'asc' },
        { column: 'o.payment_id', order: 'asc' },
      ])
      .limit(limit)
      .select(
        'o.payment_id',
        'p.partner_id',
        'p.currency',
        'p.total_minor',
        'o.payment_status',
        'o.workflow_status',
        'o.workflow_run_id',
        'o.orphaned_at',
        'o.detected_at',
      )) as OrphanRow[];
    return rows.map((r) => ({
      paymentId: r.payment_id,
      partnerId: r.partner_id,
      currency: r.currency,
      totalMinor: Number(r.total_minor),
      paymentStatus: r.payment_status as PaymentStatus,
      workflowStatus: r.workflow_status as PaymentExecutionStatus,
      workflowRunId: r.workflow_run_id,
      orphanedAt: iso(r.orphaned_at),
      detectedAt: iso(r.detected_at),
    }));
  }

  async markRecovered(paymentId: string, by: string, runId: string, at: Date): Promise<void> {
    await this.db('payment_orphans')
      .where({ payment_id: paymentId })
      .whereNull('closed_at')
      .update({ closed_at: at, resolution: 'RECOVERED', recovered_by: by, recovered_run_id: runId });
  }
}
