import type { Knex } from 'knex';
import { createPaymentActivities } from '../activities/payment.activities';
import { createApi } from '../api/create-api';
import { createUiServer } from '../ui/create-ui-server';
import type { PaymentWorkflowSettings } from '../workflows/payment.workflow';
import type { AppConfig } from './config';
import { ensurePostgresDatabase, migrateToLatest, openDatabase } from './db/database';
import { PaymentQueries } from './db/payment.queries';
import { ApiKeyRegistry } from './auth/api-key-registry';
import { resolveSecrets, type Secrets } from './auth/local-secrets';
import { WsTokens } from './auth/ws-token';
import { KnexPartnerRepository } from './db/partner.repository';
import { KnexUnitOfWork } from './db/unit-of-work';
import { HttpPayoutProvider } from './sandbox-bank/sandbox-bank.adapter';
import { runSandboxBank, type RunningSandboxBank } from './sandbox-bank/run-sandbox-bank';
import type { Logger } from './logger';
import { createPaymentWorker } from './temporal/payment-worker';
import { TemporalPaymentCommands } from './temporal/payment-workflow.client';
import { installTemporalRuntime } from './temporal/runtime';
import { connectClient } from './temporal/temporal-client';
import { encryptedDataConverter } from './temporal/encryption-codec';
import { codecRoutes } from '../api/codec.routes';
import { createMetrics } from './observability/metrics';
import type { Client } from '@temporalio/client';
import { resolve } from 'node:path';
import { createNotificationSignalActivities } from '../activities/notification.activities';
import { notificationRoutes } from '../api/notification.routes';
import { createEventStream } from '../ui/stream/event-stream.server';
import { InProcessNotifier, PgListenNotifier, type CommitSource } from './db/event-notifier';
import { NotificationQueries } from './db/notification.queries';
import { KnexPartnerNotificationSettings } from './db/notification.repository';
import { startNotificationService } from './notifications/notification-service';
import { PartnerNotificationsClient } from './notifications/partner-notifications.client';
import { newWebhookSecret } from './notifications/webhook-signature';

/** Built by `make start` / `make test` (scripts/build-dashboard.ts). */
const DASHBOARD_DIR = resolve(__dirname, '../../dist/dashboard');
import { createTracing } from './observability/tracing';
import {
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

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

/** Opens the configured database, creating it (PostgreSQL) and migrating it as needed. */
export async function openMigratedDatabase(config: AppConfig): Promise<Knex> {
  if (config.database.kind === 'postgres') await ensurePostgresDatabase(config.database.url);
  const db = openDatabase(config.database);
  await migrateToLatest(db);
  return db;
}

export function workflowSettings(config: AppConfig): PaymentWorkflowSettings {
  return {
    activityStartToCloseMs: config.payments.activityStartToCloseMs,
    retryInitialIntervalMs: config.payments.retryInitialIntervalMs,
    retryMaxIntervalMs: config.payments.retryMaxIntervalMs,
    approvalTimeoutMs: config.payments.approvalTimeoutMs,
    refundWindowMs: config.payments.refundWindowMs,
    payoutScheduleToCloseMs: config.payments.payoutScheduleToCloseMs,
  };
}

/**
 * The composition root shared by every process entry point: it wires adapters to the chosen
 * components and returns one `stop()` that shuts them down in reverse order.
 */
export async function startSystem(
  config: AppConfig,
  logger: Logger,
  opts: StartSystemOptions,
): Promise<RunningSystem> {
  const db = opts.db ?? (await openMigratedDatabase(config));
  const stops: Array<() => Promise<unknown>> = opts.db ? [] : [() => db.destroy()];
  const secrets = resolveSecrets(config);
  const dataConverter = encryptedDataConverter(secrets.codecKeys);
  const tracing = createTracing({
    otlpEndpoint: config.telemetry.otlpEndpoint,
    spanProcessor: opts.spanProcessor,
    serviceName: `alpes-${opts.components.join('-')}`,
  });
  if (tracing) stops.push(() => tracing.shutdown());
  const workflowInterceptors = tracing
    ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })]
    : [];
  const running: RunningSystem = {
    db,
    secrets,
    stop: async () => {
      for (const stop of stops.reverse()) {
        await stop().catch((err: unknown) => logger.error({ err }, 'error during shutdown'));
      }
    },
  };
  try {
    const uow = new KnexUnitOfWork(db);
    const temporalOpts = { address: opts.temporalAddress, namespace: config.temporal.namespace };
    /** Every unit of work that writes the event log here: the embedded live UI wakes on their commits. */
    const commitSources: CommitSource[] = [uow];
    let shared: Client | undefined;
    const temporalClient = async (): Promise<Client> => {
      if (!shared) {
        const { client, connection } = await connectClient({
          ...temporalOpts,
          dataConverter,
          workflowInterceptors,
        });
        stops.push(() => connection.close());
        shared = client;
      }
      return shared;
    };
    if (opts.components.some((c) => c === 'worker' || c === 'notifications')) {
      installTemporalRuntime(logger, config.telemetry.temporalMetricsPort);
    }

    if (opts.components.includes('bank')) {
      const bankLog = logger.child({ component: 'bank' });
      running.bank = await runSandboxBank({
        databaseUrl: config.database.kind === 'postgres' ? config.database.url : undefined,
        dataDir: config.dataDir,
        port: config.sandboxBank.port,
        host: config.sandboxBank.host,
        logger: bankLog,
      });
      running.bankUrl = running.bank.url;
      stops.push(() => running.bank!.stop());
    }

    if (opts.components.includes('notifications')) {
      const service = await startNotificationService({
        db,
        config: config.notifications,
        temporal: temporalOpts,
        logger,
        dataConverter,
        workflowBundlePath: config.notifications.workflowBundlePath,
      });
      commitSources.push(service.uow);
      running.emailTransport = service.emailTransport;
      stops.push(() => service.stop());
    }

    if (opts.components.includes('worker')) {
      const bankUrl = config.sandboxBank.url ?? running.bankUrl;
      if (!bankUrl)
        throw new Error('the worker needs SANDBOX_BANK_URL (or the bank component in this process)');
      const activities = {
        ...createPaymentActivities({
          uow,
          provider: new HttpPayoutProvider({ baseUrl: bankUrl, timeoutMs: config.sandboxBank.timeoutMs }),
          approvalThresholds: config.payments.approvalThresholds,
          maxAmountMinor: config.payments.maxAmountMinor,
        }),
        ...createNotificationSignalActivities({
          client: await temporalClient(),
          taskQueue: config.notifications.taskQueue,
          settings: config.notifications.workflow,
        }),
      };
      const { worker, connection } = await createPaymentWorker({
        ...temporalOpts,
        taskQueue: config.temporal.taskQueue,
        activities,
        workflowBundlePath: opts.workflowBundlePath ?? config.temporal.workflowBundlePath,
        dataConverter,
        plugins: tracing
          ? [new OpenTelemetryPlugin({ resource: tracing.resource, spanProcessor: tracing.spanProcessor })]
          : undefined,
      });
      const done = worker.run().catch((err: unknown) => {
        logger.child({ component: 'worker' }).fatal({ err }, 'worker stopped unexpectedly');
        process.exitCode = 1;
      });
      stops.push(async () => {
        worker.shutdown();
        await done;
        await connection.close();
      });
      logger.child({ component: 'worker' }).info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
    }

    if (opts.components.includes('api')) {
      const client = await temporalClient();
      const api = createApi({
        commands: new TemporalPaymentCommands(client, config.temporal.taskQueue, workflowSettings(config)),
        reads: new PaymentQueries(db),
        partners: new KnexPartnerRepository(db),
        maxAmountMinor: config.payments.maxAmountMinor,
        logger: logger.child({ component: 'api' }),
        apiKeys: new ApiKeyRegistry(secrets.apiKeys),
        wsTokens: new WsTokens(secrets.wsTokenSecret, config.security.wsTokenTtlMs),
        probes: [
          { name: 'database', check: async () => void (await db.raw('select 1')) },
          { name: 'temporal', check: async () => void (await client.workflowService.getSystemInfo({})) },
        ],
        temporalUiUrl: config.temporal.uiUrl,
        namespace: config.temporal.namespace,
        publicUrl: config.api.publicUrl,
        corsOrigins: config.security.corsOrigins,
        rateLimitPerMinute: config.security.rateLimitPerMinute,
        bodyLimit: config.security.bodyLimit,
        metrics: createMetrics(db),
        extraRoutes: [
          (routes) =>
            codecRoutes(routes, { codec: dataConverter.payloadCodecs![0]!, uiToken: secrets.codecUiToken }),
          (routes) =>
            notificationRoutes(routes, {
              notifications: new NotificationQueries(db),
              settings: new KnexPartnerNotificationSettings(db),
              commands: new PartnerNotificationsClient(
                client,
                config.notifications.taskQueue,
                config.notifications.workflow,
              ),
              newSecret: newWebhookSecret,
            }),
        ],
      });
      running.apiUrl = await api.start(config.api.port, config.api.host);
      stops.push(() => api.stop());
      logger.child({ component: 'api' }).info({ url: running.apiUrl }, 'API listening');
    }

    if (opts.components.includes('ui')) {
      const log = logger.child({ component: 'ui' });
      // PostgreSQL: any number of UI servers wake on LISTEN/NOTIFY. PGlite: this process's commits.
      const notifier =
        config.database.kind === 'postgres'
          ? new PgListenNotifier({ connection: config.database.url, logger: log })
          : new InProcessNotifier(commitSources, log);
      await notifier.start();
      stops.push(() => notifier.stop());
      const wsTokens = new WsTokens(secrets.wsTokenSecret, config.security.wsTokenTtlMs);
      const ui = createUiServer({
        staticDir: DASHBOARD_DIR,
        publicConfig: {
          apiUrl: config.api.publicUrl,
          temporalUiUrl: config.temporal.uiUrl,
          namespace: config.temporal.namespace,
        },
        stream: createEventStream({ db, notifier, authenticate: (t) => wsTokens.verify(t), logger: log }),
      });
      running.uiUrl = await ui.start(config.ui.port, config.ui.host);
      stops.push(() => ui.stop());
      logger.child({ component: 'ui' }).info({ url: running.uiUrl }, 'live UI listening');
    }
  } catch (e) {
    await running.stop();
    throw e;
  }
  return running;
}
