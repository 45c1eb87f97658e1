import {
  expiryNoticeWindow,
  taxFormExpiringEvent,
  taxFormExpiryNoticeKey,
} from '../../domain/partner-action-notices';
import type { UnitOfWork } from '../../ports/unit-of-work.port';

export interface TaxFormExpiryDeps {
  uow: UnitOfWork;
  /** TAX_FORM_EXPIRY_NOTICE_DAYS: how far ahead a partner is told. */
  noticeDays: number;
  /** Derives a notice's event id from its key (name-based: the same form, the same id). */
  eventIdFor: (key: string) => string;
  clock?: () => Date;
}

export interface TaxFormExpiryResult {
  /** Forms in the window. */
  expiring: number;
  /** Of those, told now (the rest were told before). */
  noticed: number;
}

/**
 * Tells each partner whose approved form expires within `noticeDays` (still valid today), once
 * per filed form: the event's id derives from the partner and the form's submission, so a second
 * check (the next day's, or a retried one) finds it and writes nothing. The event and its outbox
 * row commit together, so the partner is told if and only if it was recorded.
 */
export async function noticeExpiringTaxForms(deps: TaxFormExpiryDeps): Promise<TaxFormExpiryResult> {
  const now = (deps.clock ?? (() => new Date()))();
  return deps.uow.run(async (tx) => {
    const forms = await tx.taxProfiles.expiringBetween(expiryNoticeWindow(now, deps.noticeDays));
    let noticed = 0;
    for (const form of forms) {
      const id = deps.eventIdFor(taxFormExpiryNoticeKey(form.partnerId, form.submittedAt));
      if (await tx.events.has(id)) continue;
      const event = taxFormExpiringEvent({
        id,
        partnerId: form.partnerId,
        formType: form.formType,
        expiresOn: form.expiresOn,
        now,
      });
      await tx.events.append([event], { workflowId: null, runId: null });
      await tx.partnerNotices.add([event]);
      noticed += 1;
    }
    return { expiring: forms.length, noticed };
  });
}
