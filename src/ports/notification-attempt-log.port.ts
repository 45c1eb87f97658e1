import type { NotificationAttempt } from '../domain/notification-attempt';

/** Appends attempts inside a notification step's transaction (append-only: there is no update). */
export interface NotificationAttemptLog {
  append(attempt: NotificationAttempt): Promise<void>;
}
