import type { Client } from '@temporalio/client';
import { createBankFileActivities, type BankFileActivities } from '../../activities/bank-file.activities';
import {
  createReconciliationActivities,
  type ReconciliationActivities,
} from '../../activities/reconciliation.activities';
import { KnexPayoutAttemptLog } from '../../infra/db/payout-attempt.log';
import { HttpPayoutProvider } from '../../infra/payout/http-payout.provider';
import { RoutingPayoutProvider } from '../../infra/payout/routing-payout.provider';
import { BankFileRailAdapter } from '../../infra/rails/iso20022/bank-file-rail.adapter';
import { BankFileStore } from '../../infra/rails/iso20022/bank-file.store';
import { Iso20022FilePayoutProvider } from '../../infra/rails/iso20022/iso20022-file.provider';
import { providersInUse, type PayoutProviderName } from '../../infra/rails/payout-rails-config';
import { createStripePayoutProvider } from '../../infra/rails/stripe/stripe-payout.provider';
import { FolderBankFileTransport } from '../../infra/rails/transport/folder-bank-file.transport';
import { HttpBankFileTransport } from '../../infra/rails/transport/http-bank-file.transport';
import { ensureBankFileSchedule } from '../../infra/temporal/bank-file-schedule';
import { ensureReconciliationSchedule } from '../../infra/temporal/reconciliation-schedule';
import type { BankFileTransport } from '../../ports/bank-file-transport.port';
import type { PayoutProvider } from '../../ports/payout-provider.port';
import type { PayoutReturnSignal } from '../../ports/reconciliation.port';
import type { SystemContext } from './system-context';
import { reconciliationParts } from './reconciliation';
import { bankFileCycleSettings, reconciliationFetchSettings } from './workflow-settings';

export interface PayoutRails {
  /** PAYOUT_ROUTES over the providers they name. */
  provider: PayoutProvider;
  /** The bank-file cycle's steps, when a route names the file rail. */
  bankFileActivities: BankFileActivities | undefined;
  /** The reconciliation fetch's step, with the file rail (only its payouts have statements). */
  reconciliationActivities: ReconciliationActivities | undefined;
  /** Creates the Schedules the rails need (the bank-file cycle, the reconciliation fetch). */
  ensureSchedules(client: Client, taskQueue: string): Promise<void>;
}

/** Builds only the providers some route names (the default route: the sandbox bank alone). */
export function createPayoutRails(
  ctx: SystemContext,
  bankUrl: string | undefined,
  /** Tells a returned payment's workflow, for the reconciliation fetch's returns. */
  returns?: PayoutReturnSignal,
): PayoutRails {
  const { config } = ctx;
  const inUse = providersInUse(config.rails);
  const needsBank =
    inUse.has('sandbox-bank') ||
    (inUse.has('iso20022-file') && config.rails.bankFiles.transport.kind === 'http');
  if (needsBank && !bankUrl)
    throw new Error('the payout routes need SANDBOX_BANK_URL (or the bank component in this process)');
  const providers: Partial<Record<PayoutProviderName, PayoutProvider>> = {};
  if (inUse.has('sandbox-bank'))
    providers['sandbox-bank'] = new HttpPayoutProvider({
      baseUrl: bankUrl!,
      timeoutMs: config.sandboxBank.timeoutMs,
    });
  if (inUse.has('stripe')) providers.stripe = createStripePayoutProvider(config.stripe);
  let bankFileActivities: BankFileActivities | undefined;
  let reconciliationActivities: ReconciliationActivities | undefined;
  if (inUse.has('iso20022-file')) {
    const files = config.rails.bankFiles;
    const store = new BankFileStore(ctx.db);
    const transport: BankFileTransport =
      files.transport.kind === 'folder'
        ? new FolderBankFileTransport({ outbox: files.transport.outbox, inbox: files.transport.inbox })
        : new HttpBankFileTransport({ baseUrl: bankUrl!, timeoutMs: config.sandboxBank.timeoutMs });
    providers['iso20022-file'] = new Iso20022FilePayoutProvider({
      store,
      debtor: files.debtor,
      waitMs: files.waitMs,
    });
    bankFileActivities = createBankFileActivities({
      rail: new BankFileRailAdapter(store, transport, {
        debtor: files.debtor,
        maxTransactions: files.maxTransactions,
      }),
    });
    reconciliationActivities = createReconciliationActivities(reconciliationParts(ctx, bankUrl, { returns }));
  }
  return {
    provider: new RoutingPayoutProvider({
      routes: config.rails.routes,
      providers,
      attempts: new KnexPayoutAttemptLog(ctx.db),
    }),
    bankFileActivities,
    reconciliationActivities,
    async ensureSchedules(client, taskQueue) {
      // Off with the rail: a schedule left from when it was on would start runs no worker serves.
      await ensureReconciliationSchedule(client, {
        scheduleId: config.reconciliation.scheduleId,
        setting: reconciliationActivities ? config.reconciliation.schedule : { kind: 'off' },
        taskQueue,
        input: { settings: reconciliationFetchSettings(config) },
      });
      if (!bankFileActivities) return;
      await ensureBankFileSchedule(client, {
        scheduleId: config.rails.bankFiles.scheduleId,
        everyMs: config.rails.bankFiles.everyMs,
        taskQueue,
        input: { settings: bankFileCycleSettings(config) },
      });
    },
  };
}
