import type { DomainEvent } from '../../domain/domain-event';
import { matchStatement, type ExceptionDraft } from '../../domain/statement-matching';
import type { AuditStamp } from '../../ports/audit.port';
import type {
  PayoutReturnSignal,
  ReconciliationTransactionScope,
  ReconciliationUnitOfWork,
  StatementReader,
} from '../../ports/reconciliation.port';
import { retryOnConflict } from '../transaction-retry';
import { auditedTransaction } from '../audited-transaction';

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
  /** Tells a returned payment's workflow (after the commit); absent: workflows are not told. */
  returns?: PayoutReturnSignal;
  /** Sends the partner notices a return put in the outbox; absent: they wait for the relay's sweep. */
  notices?: { kick(): void };
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
  let returns: AppliedReturn[] = [];
  const applied = await retryOnConflict(() =>
    auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
      returns = [];
      result.applied = false;
      result.booked = 0;
      result.returned = 0;
      result.exceptions = 0;
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
        const unapplied: ExceptionDraft[] = [];
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
            const outcome = await applyReturn(tx, d, now);
            if (outcome && 'exception' in outcome) unapplied.push(outcome.exception);
            else if (outcome) returns.push(outcome.applied);
            result.returned += 1;
          }
        }
        result.exceptions += await tx.reconciliation.raise(
          [...match.decisions.flatMap((d) => (d.type === 'EXCEPTION' ? [d.exception] : [])), ...unapplied],
          now,
        );
        await tx.reconciliation.recordLines(statement.account, message.messageId, match.lines, now);
      }
      await audit({ targetId: message.messageId, after: { ...result }, outcomeStatus: 200 });
      return result;
    }),
  );
  // After the commit, never before: a workflow must not end on a return that rolled back.
  if (returns.length > 0) deps.notices?.kick();
  for (const r of returns) {
    await deps.returns?.payoutReturned(r.paymentId, { returnCode: r.returnCode, reason: r.reason });
  }
  return applied;
}

/** A return that changed the payment: its workflow is told once the transaction committed. */
interface AppliedReturn {
  paymentId: string;
  returnCode: string | null;
  reason: string;
}

/**
 * The money came back. A COMPLETED payment becomes RETURNED; its settled commissions are owed
 * again (PAYABLE) for the next run; the partner's method in force is flagged so that run waits for
 * a corrected one; the partner is told (the outbox) — all in this transaction, once: matching never
 * returns a payout already RETURNED, and a RETURNED payment is left as it is. A payment in any other
 * status (refunded meanwhile) is not changed: the return is an exception for an operator.
 */
async function applyReturn(
  tx: ReconciliationTransactionScope,
  d: { paymentId: string; entryRef: string; code: string | null; text: string | null },
  now: Date,
): Promise<{ applied: AppliedReturn } | { exception: ExceptionDraft } | null> {
  const reason = [d.code, d.text].filter(Boolean).join(' ') || 'returned by the bank';
  await tx.reconciliation.setPayoutState(d.paymentId, {
    state: 'RETURNED',
    entryRef: d.entryRef,
    returnCode: d.code,
    returnReason: reason,
    at: now,
  });
  const payment = await tx.payments.findById(d.paymentId);
  if (!payment) return null;
  // Once: a return seen again (the notice, then the day's statement) changes nothing more.
  if (payment.status === 'RETURNED') return null;
  if (payment.status !== 'COMPLETED') {
    return {
      exception: {
        key: `RETURN_NOT_APPLIED:${d.paymentId}:${d.entryRef}`,
        kind: 'RETURN_NOT_APPLIED',
        account: null,
        reference: d.entryRef,
        amountMinor: BigInt(payment.total.amountMinor),
        expectedMinor: null,
        currency: payment.currency,
        paymentId: d.paymentId,
        bookingDate: null,
        detail: `the bank returned a ${payment.status} payment (${reason}): its status and commissions were left as they are`,
      },
    };
  }
  const events: DomainEvent[] = [];
  let released = 0;
  for (const c of await tx.commissions.findByPayment(d.paymentId)) {
    if (c.status !== 'SETTLED') continue;
    c.returnAfterRefund({ reverse: false, actor: RECONCILIATION_ACTOR, reason, now });
    await tx.commissions.save(c);
    events.push(...c.pullEvents());
    released += 1;
  }
  payment.returnedByBank(
    { returnCode: d.code, reason, entryRef: d.entryRef, commissionsReleased: released },
    now,
  );
  await tx.payments.save(payment);
  await tx.settlements.countPayoutTransition(d.paymentId, 'COMPLETED', 'RETURNED');
  const returned = payment.pullEvents();
  const partner = await tx.partners.findById(payment.partnerId);
  if (partner) {
    // The method in force is the one that bounced, unless it changed since this payment was paid.
    const fixed = await tx.payments.fixedPayoutAccount(d.paymentId);
    const inForce = partner.defaultMethodFor(payment.currency, now).account();
    if (!fixed || fixed.account === inForce) {
      partner.flagPayoutMethodReturned({ paymentId: d.paymentId, reason, now });
      await tx.partners.save(partner);
    }
  }
  events.push(...returned);
  await tx.partnerNotices.add(returned);
  await tx.events.append(events, { workflowId: null, runId: null });
  return { applied: { paymentId: d.paymentId, returnCode: d.code, reason } };
}
