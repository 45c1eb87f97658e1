import type { Partner } from '../../domain/partner.aggregate';
import { callsForPartnerNotice } from '../../domain/partner-notice';
import type { AuditStamp } from '../../ports/audit.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';
import { retryOnConflict } from '../transaction-retry';

export interface PartnerChangeDeps {
  uow: UnitOfWork;
  /**
   * Sends the partner notices a change put in the outbox (PartnerNoticeRelay): told after each
   * commit that added one. Without it they wait for whoever sweeps the outbox.
   */
  notices?: { kick(): void };
  clock?: () => Date;
}

export interface PartnerChangeInput {
  partnerId: string;
  audit?: AuditStamp;
}

/**
 * Loads, changes and saves the partner, appends its events, puts the notices they call for
 * (payout-account changes) in the outbox and writes the audit entry, all in one transaction: a
 * notice and an audit entry exist exactly when their change committed. After the commit the relay
 * is told to send the notice; if that fails (Temporal unreachable, this process dies), the notice
 * stays in the outbox and the relay's sweep sends it later. Undefined when there is no such partner.
 */
export async function changePartner(
  deps: PartnerChangeDeps,
  input: PartnerChangeInput,
  change: (partner: Partner, now: Date) => void,
): Promise<Partner | undefined> {
  const now = (deps.clock ?? (() => new Date()))();
  const changed = await retryOnConflict(() =>
    auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
      const partner = await tx.partners.findById(input.partnerId);
      if (!partner) return undefined;
      // A change whose cool-off has passed is written down (with its event) before anything else.
      partner.applyDueAccountChange(now);
      // The audit log's "before": as the partner stood when this change was applied to it.
      const before = partner.toPublic();
      change(partner, now);
      await tx.partners.save(partner);
      const events = partner.pullEvents();
      await tx.events.append(events, { workflowId: null, runId: null });
      await tx.partnerNotices.add(events);
      await audit({ targetId: partner.id, before, after: partner.toPublic() });
      return { partner, noticed: events.some(callsForPartnerNotice) };
    }),
  );
  if (changed?.noticed) deps.notices?.kick();
  return changed?.partner;
}
