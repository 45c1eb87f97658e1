import { overduePayouts, type Grace } from '../../domain/statement-matching';
import type { ReconciliationUnitOfWork, StatementSource } from '../../ports/reconciliation.port';
import { applyStatement, type AppliedStatement, type ApplyStatementDeps } from './apply-statement';

export interface ImportedStatements {
  notices: AppliedStatement[];
  statements: AppliedStatement[];
  /** NOT_BOOKED exceptions raised by this pass. */
  notBooked: number;
}

const NOTICE_CHANNEL = 'camt054';

/**
 * What a Schedule runs (RECONCILIATION_SCHEDULE): the bank's new camt.054 notices from the kept
 * cursor, then the camt.053 of each closed day of our accounts (a day already applied is the same
 * MsgId: a no-op), then payouts past their grace become NOT_BOOKED. Each document is applied in a
 * transaction of its own; the cursor moves only past notices that were applied (or were before).
 */
export async function importBankStatements(
  deps: ApplyStatementDeps & { source: StatementSource; grace: Grace; uow: ReconciliationUnitOfWork },
  input: { accounts: readonly string[]; daysBack?: number; actor: string | null },
): Promise<ImportedStatements> {
  const now = (deps.clock ?? (() => new Date()))();
  const out: ImportedStatements = { notices: [], statements: [], notBooked: 0 };
  let cursor = await deps.uow.run((tx) => tx.reconciliation.cursor(NOTICE_CHANNEL));
  for (;;) {
    const page = await deps.source.notifications(cursor);
    for (const n of page.items) {
      out.notices.push(await applyStatement(deps, { xml: n.xml, source: 'fetch', actor: input.actor }));
    }
    if (page.cursor !== cursor) {
      const next = page.cursor;
      await deps.uow.run((tx) => tx.reconciliation.setCursor(NOTICE_CHANNEL, next, now));
      cursor = next;
    }
    if (page.items.length === 0) break;
  }
  for (const account of input.accounts) {
    const days = (await deps.source.closedDays(account)).slice(0, input.daysBack ?? 7).reverse();
    for (const day of days) {
      const xml = await deps.source.statement(account, day);
      out.statements.push(await applyStatement(deps, { xml, source: 'fetch', actor: input.actor }));
    }
  }
  out.notBooked = await flagOverduePayouts(deps, now);
  return out;
}

/** Payouts the bank accepted that no statement has named within the grace: NOT_BOOKED, once each. */
export async function flagOverduePayouts(
  deps: { uow: ReconciliationUnitOfWork; grace: Grace },
  now: Date,
): Promise<number> {
  return deps.uow.run(async (tx) =>
    tx.reconciliation.raise(overduePayouts(await tx.reconciliation.awaitingPayouts(), now, deps.grace), now),
  );
}
