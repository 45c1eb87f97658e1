import { KnexReconciliationUnitOfWork } from '../../infra/db/reconciliation.store';
import { createCamtStatementReader } from '../../infra/rails/iso20022/camt-statement.reader';
import { HttpStatementSource } from '../../infra/rails/transport/http-statement.source';
import type { PayoutReturnSignal } from '../../ports/reconciliation.port';
import type { SystemContext } from './system-context';

/**
 * What importBankStatements runs over, for the API's POST /reconciliation/fetch and the worker's
 * Schedule alike: statements come from RECONCILIATION_BANK_URL, else the bank the process pays
 * (`bankUrl`), else the embedded bank on SANDBOX_BANK_PORT of this host.
 */
export function reconciliationParts(
  ctx: SystemContext,
  bankUrl: string | undefined,
  /** How a return reaches the payment's workflow and the partner (see ApplyStatementDeps). */
  told: { returns?: PayoutReturnSignal; notices?: { kick(): void } } = {},
) {
  const { config } = ctx;
  const recon = config.reconciliation;
  return {
    uow: new KnexReconciliationUnitOfWork(ctx.db, { noticeTaskQueue: config.notifications.taskQueue }),
    reader: createCamtStatementReader(recon.xsd),
    source: new HttpStatementSource({
      baseUrl: recon.bankUrl ?? bankUrl ?? `http://127.0.0.1:${config.sandboxBank.port}`,
      timeoutMs: config.sandboxBank.timeoutMs,
    }),
    grace: recon.grace,
    accounts: [config.rails.bankFiles.debtor.iban],
    ...told,
  };
}
