import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Knex } from 'knex';
import { resolveSecrets, type Secrets } from '../../infra/auth/local-secrets';
import type { AppConfig } from '../../infra/config';
import { openMigratedDatabase } from '../../infra/db/database';
import type { CommitSource } from '../../infra/db/event-notifier';
import { TaxIdBox } from '../../infra/tax/tax-id-box';
import { KnexUnitOfWork } from '../../infra/db/unit-of-work';
import { createTracing, type Tracing } from '../../infra/observability/tracing';
import { AesGcmPayloadCodec } from '../../infra/temporal/encryption-codec';
import {
  describeTemporalConnection,
  type TemporalConnectionSettings,
} from '../../infra/temporal/connection-options';
import { connectClient } from '../../infra/temporal/temporal-client';
import type { Logger } from '../../shared/logger';

/**
 * What every component of one process shares: the database handle, secrets, the payload codec,
 * tracing, one Temporal client (opened on first use), and the list of things to stop — in
 * reverse order of start.
 */
export interface SystemContext {
  config: AppConfig;
  logger: Logger;
  db: Knex;
  secrets: Secrets;
  /** The payload codec of every client and worker here, and of the codec server (/codec/*). */
  payloadCodec: PayloadCodec;
  dataConverter: DataConverter;
  tracing: Tracing | undefined;
  /** Where and how every client and worker of this process connects (TLS, API key). */
  temporal: TemporalConnectionSettings;
  /** The payments unit of work; it writes the event log, so the embedded live UI wakes on its commits. */
  uow: KnexUnitOfWork;
  /** Every unit of work that writes the event log in this process. */
  commitSources: CommitSource[];
  temporalClient(): Promise<Client>;
  onStop(stop: () => Promise<unknown>): void;
  stopAll(): Promise<void>;
}

export interface SystemContextOptions {
  temporalAddress: string;
  /** Reuse an open database handle (PGlite allows only one per process). */
  db?: Knex;
  /** Tests export spans in memory; otherwise OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on. */
  spanProcessor?: SpanProcessor;
  serviceName: string;
}

export async function createSystemContext(
  config: AppConfig,
  logger: Logger,
  opts: SystemContextOptions,
): Promise<SystemContext> {
  const db = opts.db ?? (await openMigratedDatabase(config.database));
  const stops: Array<() => Promise<unknown>> = opts.db ? [] : [() => db.destroy()];
  const secrets = resolveSecrets(config);
  // Payloads nobody of ours encrypted are refused in every mode (see CodecOptions), unless opted out.
  const acceptPlaintext = config.security.codecAcceptPlaintext;
  if (acceptPlaintext) {
    logger.warn(
      { setting: 'CODEC_ACCEPT_PLAINTEXT' },
      'CODEC_ACCEPT_PLAINTEXT=true: the payload codec accepts unencrypted payloads (for reading old histories); anyone who reaches Temporal directly can send them',
    );
  }
  const payloadCodec = new AesGcmPayloadCodec(secrets.codecKeys, { acceptPlaintext });
  const dataConverter: DataConverter = { payloadCodecs: [payloadCodec] };
  const tracing = createTracing({
    otlpEndpoint: config.telemetry.otlpEndpoint,
    spanProcessor: opts.spanProcessor,
    serviceName: opts.serviceName,
  });
  if (tracing) stops.push(() => tracing.shutdown());
  // TLS and the API key come with TEMPORAL_ADDRESS only (config.ts refuses them without it), so the
  // launcher's own plaintext dev server never gets them.
  const temporal: TemporalConnectionSettings = {
    address: opts.temporalAddress,
    namespace: config.temporal.namespace,
    security: config.temporal.security,
  };
  const uow = new KnexUnitOfWork(db, {
    noticeTaskQueue: config.notifications.taskQueue,
    // Tax ids are sealed with the webhook secrets' keys (see TaxIdBox).
    taxIdBox: new TaxIdBox(secrets.webhookSecretKeys),
    // A run's claimed balances judged by TAX_FORM_REQUIRED: the planner skips as payability says.
    taxForms: config.tax.formRequired,
  });

  let shared: Client | undefined;
  return {
    config,
    logger,
    db,
    secrets,
    payloadCodec,
    dataConverter,
    tracing,
    temporal,
    uow,
    commitSources: [uow],
    temporalClient: async () => {
      if (!shared) {
        const { client, connection } = await connectClient({
          ...temporal,
          dataConverter,
          workflowInterceptors: tracing
            ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })]
            : [],
        });
        stops.push(() => connection.close());
        // Which transport is in use (mTLS, API key, plaintext) is the first thing to check when a
        // deployment cannot reach Temporal; never key material.
        logger.info({ temporal: describeTemporalConnection(temporal) }, 'connected to Temporal');
        shared = client;
      }
      return shared;
    },
    onStop: (stop) => void stops.push(stop),
    stopAll: async () => {
      for (const stop of stops.reverse()) {
        await stop().catch((err: unknown) => logger.error({ err }, 'error during shutdown'));
      }
    },
  };
}
