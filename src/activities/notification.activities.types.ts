/** Serialisable inputs and results of the notification activities and workflow: what crosses the Temporal boundary. */
import type { NotificationChannelName, NotifyPartnerInput } from '../ports/notification.port';

export type RecordNotificationsInput = NotifyPartnerInput;

export interface PlannedNotification {
  notificationId: string;
  channel: NotificationChannelName;
  status: 'PENDING' | 'SENT' | 'FAILED';
}

export interface RecordNotificationsResult {
  /** Empty when the partner chose no channel for this type (or has none of the chosen ones). */
  notifications: PlannedNotification[];
}

export interface DeliverNotificationInput {
  notificationId: string;
  /** How long one attempt holds the delivery; the activity's start-to-close timeout. */
  leaseMs: number;
}

export interface DeliverNotificationResult {
  notificationId: string;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
}

export interface MarkNotificationFailedInput {
  notificationId: string;
  reason: string;
}

export interface RequeueNotificationInput {
  notificationId: string;
  requestId: string;
}

export interface NotificationStepResult {
  notificationId: string;
  channel: NotificationChannelName;
  status: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
}

export type NotifyPartnerResult = void;
