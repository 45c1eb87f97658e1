import type { NotificationAttemptLog } from './notification-attempt-log.port';
import type { EventLog } from './event-log.port';
import type {
  NotificationRepository,
  PartnerNotificationSettingsReader,
} from './notification-repository.port';

export interface NotificationTransactionScope {
  notifications: NotificationRepository;
  partnerSettings: PartnerNotificationSettingsReader;
  events: EventLog;
  /** The delivery log: one row per attempt, written with the attempt's outcome. */
  attempts: NotificationAttemptLog;
}

/** One database transaction: everything done through the given repositories commits or rolls back together. */
export interface NotificationUnitOfWork {
  run<T>(work: (tx: NotificationTransactionScope) => Promise<T>): Promise<T>;
}
