import type { Knex } from 'knex';
import type {
  NotificationTransactionScope,
  NotificationUnitOfWork,
} from '../../ports/notification-unit-of-work.port';
import { KnexEventLog } from './event-log';
import { KnexNotificationAttemptLog } from './notification-attempts';
import {
  KnexNotificationRepository,
  KnexPartnerNotificationSettings,
  type WebhookSecretStorage,
} from './notification.repository';
import type { CommitListener } from './unit-of-work';

/**
 * One knex transaction per notification step. Like `KnexUnitOfWork`, it tells listeners about
 * each commit, which is how the embedded mode wakes the live UI for notification events.
 */
export class KnexNotificationUnitOfWork implements NotificationUnitOfWork {
  private readonly listeners = new Set<CommitListener>();

  constructor(
    private readonly db: Knex,
    private readonly webhookSecrets: WebhookSecretStorage,
  ) {}

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run<T>(work: (tx: NotificationTransactionScope) => Promise<T>): Promise<T> {
    const result = await this.db.transaction((trx) =>
      work({
        notifications: new KnexNotificationRepository(trx),
        partnerSettings: new KnexPartnerNotificationSettings(trx, this.webhookSecrets),
        events: new KnexEventLog(trx),
        attempts: new KnexNotificationAttemptLog(trx),
      }),
    );
    for (const l of this.listeners) l();
    return result;
  }
}
