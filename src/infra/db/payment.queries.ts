import type { Knex } from 'knex';
import type { PaymentSnapshot } from '../../domain/payment.aggregate';
import { readEvents, type StoredEvent } from './event-log';
import { toSnapshot, type LineRow, type PaymentRow } from './payment.repository';

export interface PaymentView extends PaymentSnapshot {
  events: StoredEvent[];
}

/** Read side of payments: plain queries over the read model, no aggregate rules involved. */
export class PaymentQueries {
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
}
