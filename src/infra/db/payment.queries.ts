import type { Knex } from 'knex';
import type { PaymentSnapshot } from '../../domain/payment.aggregate';
import type { PaymentListFilter, PaymentReads, PaymentView } from '../../ports/payment.port';
import { readEvents } from './event-log';
import { toSnapshot, type LineRow, type PaymentRow } from './payment.repository';

/** Read side of payments: plain queries over the read model, no aggregate rules involved. */
export class PaymentQueries implements PaymentReads {
  constructor(private readonly db: Knex) {}

  async getById(id: string): Promise<PaymentView | undefined> {
    const row = await this.db<PaymentRow>('payments').where({ id }).first();
    if (!row) return undefined;
    const [lines, events] = await Promise.all([
      this.db<LineRow>('payment_lines').where({ payment_id: id }),
      readEvents(this.db, { aggregateId: id }),
    ]);
    return { ...toSnapshot(row, lines), events };
  }

  /** Newest first, keyset-paginated on (created_at, id), with the lines of each payment. */
  async list(f: PaymentListFilter): Promise<PaymentSnapshot[]> {
    const q = this.db<PaymentRow>('payments').orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (f.partnerId) q.where('partner_id', f.partnerId);
    if (f.status) q.where('status', f.status);
    if (f.currency) q.where('currency', f.currency);
    if (f.createdFrom) q.where('created_at', '>=', f.createdFrom);
    if (f.createdTo) q.where('created_at', '<', f.createdTo);
    if (f.after) {
      const { createdAt, id } = f.after;
      q.where((w) =>
        w
          .where('created_at', '<', createdAt)
          .orWhere((x) => x.where('created_at', createdAt).andWhere('id', '<', id)),
      );
    }
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
