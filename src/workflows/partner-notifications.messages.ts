import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  NotificationChannelName,
  NotifyPartnerInput,
  PartnerNotificationsSettings,
  ResendNotificationInput,
} from '../ports/notification.port';

/**
 * A partner's notification workflow's messages: the payment events and resend requests it is
 * signalled with (signal-with-start), its input and its state query. Its code stays in
 * partner-notifications.workflow.ts, served by the notifications worker only.
 */

/** One per partner (`partnerNotificationsWorkflowId`), started by the first signal. */
export const partnerNotificationsWorkflowType = 'partnerNotificationsWorkflow';
export type PartnerNotificationsWorkflow = (
  input: PartnerNotificationsInput,
) => Promise<PartnerNotificationsResult>;

export interface PendingDelivery {
  notificationId: string;
  channel: NotificationChannelName;
}

/** What one run hands to the next on continue-as-new. */
export interface PartnerNotificationsCarry {
  /** Oldest first. */
  seenIds: string[];
  /** Deliveries still under way; the next run takes them over (the delivery lease keeps them single). */
  deliveries: PendingDelivery[];
  handledTotal: number;
  duplicatesIgnored: number;
  run: number;
}

export interface PartnerNotificationsInput {
  partnerId: string;
  settings: PartnerNotificationsSettings;
  carry?: PartnerNotificationsCarry;
}

/** Never produced in practice: the workflow lives on through continue-as-new. */
export interface PartnerNotificationsResult {
  partnerId: string;
  handledTotal: number;
}

export interface PartnerNotificationsState {
  partnerId: string;
  /** 1 for the first run, +1 on every continue-as-new. */
  run: number;
  handledThisRun: number;
  handledTotal: number;
  queued: number;
  inFlight: PendingDelivery[];
  rememberedIds: number;
  duplicatesIgnored: number;
  sentThisRun: number;
  failedThisRun: number;
  skippedThisRun: number;
}

export const paymentEventSignal = defineSignal<[NotifyPartnerInput]>('paymentEvent');
export const resendNotificationSignal = defineSignal<[ResendNotificationInput]>('resendNotification');
export const getNotificationStateQuery = defineQuery<PartnerNotificationsState>('getNotificationState');
