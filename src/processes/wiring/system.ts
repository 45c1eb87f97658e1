import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Knex } from 'knex';
import type { Secrets } from '../../infra/auth/local-secrets';
import type { AppConfig } from '../../infra/config';
import { installTemporalRuntime } from '../../infra/temporal/runtime';
import type { RunningSandboxBank } from '../../sandbox-bank/sandbox-bank.service';
import type { Logger } from '../../shared/logger';
import { startApiComponent } from './api.component';
import { startBankComponent } from './bank.component';
import { startNotificationService } from './notifications.component';
import { startPaymentWorker } from './payment-worker.component';
import { createSystemContext } from './system-context';
import { startUiComponent } from './ui.component';

export type Component = 'worker' | 'api' | 'ui' | 'bank' | 'notifications';

export interface RunningSystem {
  db: Knex;
  apiUrl?: string;
  uiUrl?: string;
  bankUrl?: string;
  bank?: RunningSandboxBank;
  /** How the notification service sends email (outbox or SMTP), when it runs in this process. */
  emailTransport?: string;
  secrets: Secrets;
  stop(): Promise<void>;
}

export interface StartSystemOptions {
  components: Component[];
  temporalAddress: string;
  /** Prebuilt workflow bundle (tests, images); without it the worker bundles from source. */
  workflowBundlePath?: string;
  /** Reuse an open database handle (PGlite allows only one per process). */
  db?: Knex;
  /** Tests export spans in memory; otherwise OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on. */
  spanProcessor?: SpanProcessor;
}

/**
 * The composition root shared by every process entry point: it starts the chosen components over
 * one shared context, in dependency order, and returns one `stop()` that shuts them down in reverse.
 */
export async function startSystem(
  config: AppConfig,
  logger: Logger,
  opts: StartSystemOptions,
): Promise<RunningSystem> {
  const has = (c: Component): boolean => opts.components.includes(c);
  const ctx = await createSystemContext(config, logger, {
    temporalAddress: opts.temporalAddress,
    db: opts.db,
    spanProcessor: opts.spanProcessor,
    serviceName: `alpes-${opts.components.join('-')}`,
  });
  const running: RunningSystem = { db: ctx.db, secrets: ctx.secrets, stop: () => ctx.stopAll() };
  try {
    if (has('worker') || has('notifications')) {
      installTemporalRuntime(logger, config.telemetry.temporalMetricsPort);
    }
    if (has('bank')) {
      running.bank = await startBankComponent(ctx);
      running.bankUrl = running.bank.url;
    }
    if (has('notifications')) {
      const service = await startNotificationService({
        db: ctx.db,
        config: config.notifications,
        temporal: ctx.temporal,
        logger,
        dataConverter: ctx.dataConverter,
        webhookSecretKeys: ctx.secrets.webhookSecretKeys,
        workflowBundlePath: config.notifications.workflowBundlePath,
      });
      ctx.commitSources.push(service.uow);
      running.emailTransport = service.emailTransport;
      ctx.onStop(() => service.stop());
    }
    if (has('worker')) {
      await startPaymentWorker(ctx, {
        bankUrl: config.sandboxBank.url ?? running.bankUrl,
        workflowBundlePath: opts.workflowBundlePath ?? config.temporal.workflowBundlePath,
      });
    }
    if (has('api')) running.apiUrl = await startApiComponent(ctx);
    if (has('ui')) running.uiUrl = await startUiComponent(ctx);
  } catch (e) {
    await running.stop();
    throw e;
  }
  return running;
}
