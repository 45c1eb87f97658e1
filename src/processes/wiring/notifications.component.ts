import type { DataConverter } from '@temporalio/common';
import type { Knex } from 'knex';
import { createNotificationActivities } from '../../activities/notification.activities';
import { KnexNotificationUnitOfWork } from '../../infra/db/notification-unit-of-work';
import { sealStoredWebhookSecrets } from '../../infra/db/notification.repository';
import { PaymentQueries } from '../../infra/db/payment.queries';
import type { Logger } from '../../shared/logger';
import { InAppChannel } from '../../infra/notifications/in-app.channel';
import type { NotificationConfig } from '../../infra/notifications/notification-config';
import type { TemporalConnectionSettings } from '../../infra/temporal/connection-options';
import { createTemporalWorker } from '../../infra/temporal/temporal-worker';
import { describeEmailTransport, SmtpEmailChannel } from '../../infra/notifications/smtp-email.channel';
import { WebhookChannel } from '../../infra/notifications/webhook.channel';
import { WebhookSecretBox, type WebhookSecretKey } from '../../infra/notifications/webhook-secret-box';

export interface NotificationServiceOptions {
  db: Knex;
  config: NotificationConfig;
  /** Where and how the worker connects (TLS, API key): the process's shared settings. */
  temporal: TemporalConnectionSettings;
  logger: Logger;
  /** WEBHOOK_SECRET_KEYS (or the embedded default's): open the partners' webhook secrets; the last one seals. */
  webhookSecretKeys: readonly WebhookSecretKey[];
  workflowBundlePath?: string;
  dataConverter?: DataConverter;
}

export interface RunningNotificationService {
  /** The unit of work the activities commit through; `onCommit` wakes the live UI in embedded mode. */
  uow: KnexNotificationUnitOfWork;
  emailTransport: string;
  stop(): Promise<void>;
}

/** Only the notification workflows: this worker deploys and scales apart from the payments worker. */
export const notificationWorkflowsPath = require.resolve('../../workflows/notifications.index');

/**
 * The notification worker with its adapters (SMTP or outbox, signed webhooks, in-app), polling
 * the notification task queue. Shared by the standalone entry point and the all-in-one launcher.
 */
export async function startNotificationService(
  opts: NotificationServiceOptions,
): Promise<RunningNotificationService> {
  const log = opts.logger.child({ component: 'notifications' });
  const box = new WebhookSecretBox(opts.webhookSecretKeys);
  // Before anything is delivered: plaintext secrets get sealed, old keys' values resealed, and a
  // key list that cannot open what is stored stops the start here, naming the key ids.
  const sealing = await sealStoredWebhookSecrets(opts.db, box);
  if (sealing.sealed + sealing.resealed > 0) {
    log.info({ ...sealing, keyId: box.currentKeyId }, 'webhook secrets sealed with the current key');
  }
  const uow = new KnexNotificationUnitOfWork(opts.db, {
    box,
    overlapMs: opts.config.webhook.secretOverlapMs,
  });
  const email = new SmtpEmailChannel(opts.config.email);
  const activities = createNotificationActivities({
    uow,
    statements: new PaymentQueries(opts.db),
    channels: {
      EMAIL: email,
      WEBHOOK: new WebhookChannel(opts.config.webhook),
      IN_APP: new InAppChannel(uow),
    },
  });
  const { worker, connection } = await createTemporalWorker({
    ...opts.temporal,
    taskQueue: opts.config.taskQueue,
    activities,
    workflowsPath: notificationWorkflowsPath,
    workflowBundlePath: opts.workflowBundlePath,
    dataConverter: opts.dataConverter,
  }).catch((e: unknown) => {
    email.close();
    throw e;
  });
  const done = worker.run().catch((err: unknown) => {
    log.fatal({ err }, 'notification worker stopped unexpectedly');
    process.exitCode = 1;
  });
  const emailTransport = describeEmailTransport(opts.config.email);
  log.info({ taskQueue: opts.config.taskQueue, email: emailTransport }, 'notification worker polling');
  return {
    uow,
    emailTransport,
    stop: async () => {
      worker.shutdown();
      await done;
      await connection.close();
      email.close();
    },
  };
}
