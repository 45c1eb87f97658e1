import type { DomainEvent } from '../../domain/domain-event';
import { paymentReturnedEvent } from '../../domain/reconciliation-events';
import { matchStatement } from '../../domain/statement-matching';
import type { AuditStamp } from '../../ports/audit.port';
import type {
  ReconciliationTransactionScope,
  ReconciliationUnitOfWork,
  StatementReader,
} from '../../ports/reconciliation.port';
import { auditedReconciliation } from './reconciliation-transaction';

export interface AppliedStatement {
  messageId: string;
  kind: 'camt.053' | 'camt.054';
  /** false: this MsgId was applied before, and nothing was done now. */
  applied: boolean;
  booked: number;
  returned: number;
  exceptions: number;
}

export interface ApplyStatementDeps {
  uow: ReconciliationUnitOfWork;
  reader: StatementReader;
  clock?: () => Date;
}

/** The actor the event log and commissions name for what a statement did. */
export const RECONCILIATION_ACTOR = 'reconciliation';

/**
 * One statement (camt.053) or notice (camt.054), read whole before anything is written — a
 * malformed document is refused and nothing of it applied — then matched and applied in one
 * transaction: payouts booked or returned, every line recorded, exceptions raised once. The same
 * MsgId again is a no-op.
 */
export async function applyStatement(
  deps: ApplyStatementDeps,
  input: { xml: string; source: 'upload' | 'fetch'; actor: string | null; audit?: AuditStamp },
): Promise<AppliedStatement> {
  const message = await deps.reader.read(input.xml);
  const now = (deps.clock ?? (() => new Date()))();
  const accounts = [...new Set(message.statements.map((s) => s.account))];
  const result: AppliedStatement = {
    messageId: message.messageId,
    kind: message.kind,
    applied: false,
    booked: 0,
    returned: 0,
    exceptions: 0,
  };
  return auditedReconciliation(deps.uow, input.audit, async (tx, audit) => {
    const fresh = await tx.reconciliation.recordStatement({
      messageId: message.messageId,
      kind: message.kind,
      source: input.source,
      account: accounts.join(','),
      entryCount: message.statements.reduce((n, s) => n + s.entries.length, 0),
      xml: input.xml,
      receivedBy: input.actor,
      at: now,
    });
    if (!fresh) {
      await audit({ targetId: message.messageId, after: { applied: false }, outcomeStatus: 200 });
      return result;
    }
    result.applied = true;
    for (const statement of message.statements) {
      const entries = statement.entries;
      const paymentIds = [
        ...new Set(
          entries.flatMap((e) => e.lines.map((l) => l.paymentId).filter((id): id is string => !!id)),
        ),
      ];
      const [seenEntries, payouts, batches] = await Promise.all([
        tx.reconciliation.seenEntries(
          statement.account,
          entries.map((e) => e.ref),
        ),
        tx.reconciliation.expectedPayouts(paymentIds),
        tx.reconciliation.expectedBatches({
          paymentInformationIds: entries.flatMap((e) => e.batch?.paymentInformationId ?? []),
          messageIds: entries.flatMap((e) => e.batch?.messageId ?? []),
        }),
      ]);
      // A batch booked without its transactions names its payouts only through the file.
      const more = batches.flatMap((b) => b.paymentIds).filter((id) => !paymentIds.includes(id));
      const all = more.length ? [...payouts, ...(await tx.reconciliation.expectedPayouts(more))] : payouts;
      const match = matchStatement(statement, {
        payouts: new Map(all.map((p) => [p.paymentId, p])),
        batches,
        seenEntries,
      });
      for (const d of match.decisions) {
        if (d.type === 'BOOK') {
          await tx.reconciliation.setPayoutState(d.paymentId, {
            state: 'BOOKED',
            entryRef: d.entryRef,
            bookingDate: d.bookingDate,
            at: now,
          });
          result.booked += 1;
        } else if (d.type === 'SEEN') {
          await tx.reconciliation.notePayoutSeen(d.paymentId, d.entryRef, now);
        } else if (d.type === 'RETURN') {
          await applyReturn(tx, d, now);
          result.returned += 1;
        }
      }
      result.exceptions += await tx.reconciliation.raise(
        match.decisions.flatMap((d) => (d.type === 'EXCEPTION' ? [d.exception] : [])),
        now,
      );
      await tx.reconciliation.recordLines(statement.account, message.messageId, match.lines, now);
    }
    await audit({ targetId: message.messageId, after: { ...result }, outcomeStatus: 200 });
    return result;
  });
}

/**
 * The money came back: the payout is RETURNED and its settled commissions are owed again (PAYABLE),
 * for the next run to pay to a corrected account. Once: matching never returns a RETURNED payout.
 */
async function applyReturn(
  tx: ReconciliationTransactionScope,
  d: { paymentId: string; entryRef: string; code: string | null; text: string | null },
  now: Date,
): Promise<void> {
  const reason = [d.code, d.text].filter(Boolean).join(' ') || 'returned by the bank';
  await tx.reconciliation.setPayoutState(d.paymentId, {
    state: 'RETURNED',
    entryRef: d.entryRef,
    returnCode: d.code,
    returnReason: reason,
    at: now,
  });
  const payment = await tx.payments.findById(d.paymentId);
  if (!payment) return;
  const events: DomainEvent[] = [];
  let released = 0;
  for (const c of await tx.commissions.findByPayment(d.paymentId)) {
    if (c.status !== 'SETTLED') continue;
    c.returnAfterRefund({ reverse: false, actor: RECONCILIATION_ACTOR, reason, now });
    await tx.commissions.save(c);
    events.push(...c.pullEvents());
    released += 1;
  }
  events.push(
    paymentReturnedEvent(
      {
        paymentId: d.paymentId,
        partnerId: payment.partnerId,
        amountMinor: Number(payment.total.amountMinor),
        currency: payment.currency,
        returnCode: d.code,
        reason,
        entryRef: d.entryRef,
        commissionsReleased: released,
      },
      now,
    ),
  );
  await tx.events.append(events, { workflowId: null, runId: null });
}
