import {
  importBankStatements,
  type ImportedStatements,
} from '../application/reconciliation/import-bank-statements';
import type { ApplyStatementDeps } from '../application/reconciliation/apply-statement';
import type { Grace } from '../domain/statement-matching';
import type {
  ReconciliationUnitOfWork,
  StatementFetchCounts,
  StatementSource,
} from '../ports/reconciliation.port';
import { withDomainFailures } from './activity-failure';

export interface ReconciliationActivityDeps extends ApplyStatementDeps {
  uow: ReconciliationUnitOfWork;
  source: StatementSource;
  grace: Grace;
  /** Our debtor accounts whose closed days are read (the file rail's). */
  accounts: readonly string[];
}

/** Who the statements fetched on the Schedule are recorded as received by. */
export const SCHEDULE_ACTOR = 'schedule';

export const countsOf = (out: ImportedStatements): StatementFetchCounts => {
  const all = [...out.notices, ...out.statements];
  return {
    notices: out.notices.length,
    statements: out.statements.length,
    applied: all.filter((s) => s.applied).length,
    booked: all.reduce((n, s) => n + s.booked, 0),
    returned: all.reduce((n, s) => n + s.returned, 0),
    exceptions: all.reduce((n, s) => n + s.exceptions, 0) + out.notBooked,
  };
};

/**
 * The reconciliation Schedule's one step: the same use case POST /reconciliation/fetch runs. A
 * statement refused by its schema is a non-retryable failure (asking again gets the same file); an
 * unreachable bank is retried, then left to the next turn. A turn stopped half-way loses nothing:
 * applied documents are recorded by MsgId and the notice cursor moves only past applied ones.
 */
export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  return {
    fetchBankStatements: (): Promise<StatementFetchCounts> =>
      withDomainFailures(async () =>
        countsOf(await importBankStatements(deps, { accounts: deps.accounts, actor: SCHEDULE_ACTOR })),
      ),
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
