import type { Knex } from 'knex';
import type { TransactionScope, UnitOfWork } from '../../ports/unit-of-work.port';
import { KnexAuditLog } from './audit-log';
import { KnexPartnerRepository } from './partner.repository';
import { KnexEventLog } from './event-log';
import { KnexPaymentRepository } from './payment.repository';
import { KnexCommissionRepository } from './commission.repository';
import { KnexSettlementRepository } from './settlement.repository';
import { KnexPartnerNoticeOutbox } from './partner-notice-outbox';
import { KnexTaxProfileRepository } from './tax-profile.repository';
import type { TaxIdBox } from '../tax/tax-id-box';
import type { TaxFormRequirement } from '../../domain/payability';

export type CommitListener = () => void;

/**
 * One knex transaction per unit of work. Listeners hear about each commit that wrote events, which
 * is how the embedded (single-process) mode wakes the live UI without LISTEN/NOTIFY.
 */
export class KnexUnitOfWork implements UnitOfWork {
  private readonly listeners = new Set<CommitListener>();

  /**
   * `noticeTaskQueue`: the notification task queue partner notices added through this unit of
   * work go to (NOTIFICATIONS_TASK_QUEUE); only a relay for that queue sends them. `taxIdBox`
   * seals and opens tax ids (without it they cannot be read or written); `taxForms` is
   * TAX_FORM_REQUIRED, applied to the balances a settlement run claims.
   */
  constructor(
    private readonly db: Knex,
    private readonly opts: {
      noticeTaskQueue?: string;
      taxIdBox?: TaxIdBox;
      taxForms?: TaxFormRequirement;
    } = {},
  ) {}

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T> {
    const result = await this.db.transaction((trx) =>
      work({
        payments: new KnexPaymentRepository(trx),
        partners: new KnexPartnerRepository(trx),
        commissions: new KnexCommissionRepository(trx),
        settlements: new KnexSettlementRepository(trx, this.opts.taxForms),
        taxProfiles: new KnexTaxProfileRepository(trx, this.opts.taxIdBox),
        events: new KnexEventLog(trx),
        partnerNotices: new KnexPartnerNoticeOutbox(trx, this.opts.noticeTaskQueue ?? 'notifications'),
        audit: new KnexAuditLog(trx),
      }),
    );
    for (const l of this.listeners) l();
    return result;
  }
}
