import { ApplicationFailure } from '@temporalio/common';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import type { DomainEvent } from '../domain/domain-event';
import type { CrashPoint } from '../ports/crash-point.port';
import {
  attemptDetailsOf,
  isPermanentDeliveryError,
  type DeliveryAttemptDetails,
  type DeliveryTarget,
  type NotificationAttachment,
  type NotificationChannel,
  type OutboundNotification,
} from '../ports/notification-channel.port';
import { notificationAttempt, type NotificationAttempt } from '../domain/notification-attempt';
import {
  notificationTypeOf,
  renderNotificationContent,
  requireNotificationType,
} from '../domain/notification-content';
import {
  Notification,
  NotificationErrorCodes,
  type NotificationChannelKind,
  type NotificationFacts,
} from '../domain/notification.aggregate';
import type {
  NotificationTransactionScope,
  NotificationUnitOfWork,
} from '../ports/notification-unit-of-work.port';
import type { PartnerNotificationSettings } from '../ports/notification-repository.port';
import {
  isPartnerActionNotice,
  isPayoutAccountNotice,
  type NotifyPartnerInput,
  type PartnerNotifier,
} from '../ports/notification.port';
import { statementCsv, statementHtml, type RemittanceStatement } from '../domain/remittance-statement';
import { withDomainFailures } from './activity-failure';
import { executionMeta } from './execution-meta';
import type {
  DeliverNotificationInput,
  DeliverNotificationResult,
  MarkNotificationFailedInput,
  NotificationStepResult,
  RecordNotificationsInput,
  RecordNotificationsResult,
  RequeueNotificationInput,
} from './notification.activities.types';

export interface NotificationActivityDeps {
  uow: NotificationUnitOfWork;
  /** The remittance advice a completed payout's email carries (statement HTML and CSV). */
  statements?: { statement(paymentId: string): Promise<RemittanceStatement | undefined> };
  channels: Record<NotificationChannelKind, NotificationChannel>;
  clock?: () => Date;
  newId?: () => string;
}

const stepResult = (n: Notification): NotificationStepResult => ({
  notificationId: n.id,
  channel: n.channel,
  status: n.status,
  attempts: n.attempts,
});

/** Where a notification goes on its channel, or why it cannot go anywhere. */
function targetFor(
  channel: NotificationChannelKind,
  partner: PartnerNotificationSettings | undefined,
): DeliveryTarget | string {
  if (!partner) return 'the partner no longer exists';
  if (channel === 'EMAIL') return { channel, email: partner.email, name: partner.name };
  if (channel === 'IN_APP') return { channel };
  if (!partner.webhookUrl) return 'the partner has no webhook URL';
  if (partner.webhookSecretProblem) {
    return `the partner's webhook secret cannot be read: ${partner.webhookSecretProblem}`;
  }
  if (!partner.webhookSecret) {
    return 'the partner has no webhook secret yet (POST /partners/:id/webhook-secret sets one)';
  }
  // A rotated-out secret signs too until its overlap ends, so the partner can switch without a gap.
  const previousSecrets = partner.previousWebhookSecrets.map((p) => p.secret);
  return { channel, url: partner.webhookUrl, secret: partner.webhookSecret, previousSecrets };
}

const messageOf = (n: Notification, target: DeliveryTarget): OutboundNotification => ({
  notificationId: n.id,
  deliveryKey: n.deliveryKey,
  partnerId: n.partnerId,
  type: n.type,
  subject: n.subject,
  body: n.body,
  sourceEventId: n.sourceEventId,
  facts: n.facts,
  createdAt: n.createdAt,
  target,
});

/**
 * The facts kept with the notification: a payment's exactly as they always were, a payout-account
 * change's with masked accounts (Notification.create refuses anything else).
 */
function factsOf(input: NotifyPartnerInput): NotificationFacts {
  if (isPartnerActionNotice(input)) {
    return {
      eventType: input.eventType,
      reason: input.reason,
      whatToDo: input.whatToDo,
      formType: input.formType ?? null,
      expiresOn: input.expiresOn ?? null,
      settlementId: input.settlementId ?? null,
      currencies: [...(input.currencies ?? [])],
      occurredAt: input.occurredAt,
    };
  }
  if (isPayoutAccountNotice(input)) {
    return {
      eventType: input.eventType,
      fromAccount: input.fromAccount,
      toAccount: input.toAccount,
      effectiveAt: input.effectiveAt ?? null,
      earliestEffectiveAt: input.earliestEffectiveAt ?? null,
      reason: input.reason ?? null,
      occurredAt: input.occurredAt,
    };
  }
  return {
    paymentId: input.paymentId,
    eventType: input.eventType,
    amountMinor: input.amountMinor,
    currency: input.currency,
    reason: input.reason ?? null,
    occurredAt: input.occurredAt,
  };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)) || 'unknown error';

/**
 * The notification service's steps. Record/mark steps are one transaction each (load → domain
 * → save → append events) and idempotent, since activities run at least once. A delivery step
 * sends through its channel and records the outcome: SENT with its event, or one more failed
 * attempt (then Temporal retries it under the channel's own policy).
 */
export function createNotificationActivities(deps: NotificationActivityDeps) {
  const now = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? (() => globalThis.crypto.randomUUID());

  async function load(tx: NotificationTransactionScope, id: string): Promise<Notification> {
    const n = await tx.notifications.findById(id);
    if (!n) throw new DomainError(NotificationErrorCodes.NOT_FOUND, `notification ${id} not found`);
    return n;
  }

  /** A completed payout's email carries its remittance advice; other messages carry nothing. */
  async function attachmentsFor(n: Notification): Promise<NotificationAttachment[] | undefined> {
    if (n.channel !== 'EMAIL' || n.type !== 'PAYMENT_COMPLETED' || !deps.statements || !n.paymentId)
      return undefined;
    const statement = await deps.statements.statement(n.paymentId);
    if (!statement) return undefined;
    return [
      {
        filename: `remittance-${statement.paymentId}.html`,
        contentType: 'text/html',
        content: statementHtml(statement),
      },
      {
        filename: `remittance-${statement.paymentId}.csv`,
        contentType: 'text/csv',
        content: statementCsv(statement),
      },
    ];
  }

  async function commit(tx: NotificationTransactionScope, n: Notification): Promise<void> {
    await tx.notifications.save(n);
    await tx.events.append(n.pullEvents(), executionMeta());
  }

  const deliverOn =
    (kind: NotificationChannelKind) =>
    (input: DeliverNotificationInput): Promise<DeliverNotificationResult> =>
      withDomainFailures(async () => {
        type Claim =
          { done: Notification } | { busy: true } | { n: Notification; target: DeliveryTarget | string };
        const claim = await deps.uow.run(async (tx): Promise<Claim> => {
          const n = await load(tx, input.notificationId);
          if (n.channel !== kind) {
            throw new DomainError(
              NotificationErrorCodes.INVALID_TRANSITION,
              `notification ${n.id} is for ${n.channel}, not ${kind}`,
            );
          }
          if (n.isSettled()) return { done: n };
          if (!n.beginAttempt(now(), input.leaseMs)) return { busy: true };
          const target = targetFor(n.channel, await tx.partnerSettings.find(n.partnerId));
          await tx.notifications.save(n);
          return { n, target };
        });
        if ('done' in claim) return stepResult(claim.done);
        if ('busy' in claim) {
          // Another attempt still holds the delivery; sending now could deliver twice.
          throw ApplicationFailure.retryable(
            `notification ${input.notificationId} is being delivered by another attempt`,
            'NOTIFICATION.DELIVERY_IN_PROGRESS',
          );
        }
        // Every attempt goes to the delivery log with its outcome, in the same transaction.
        const startedAt = now();
        const started = performance.now();
        const attempt = (details: DeliveryAttemptDetails, error: string | null): NotificationAttempt =>
          notificationAttempt({
            notificationId: claim.n.id,
            partnerId: claim.n.partnerId,
            channel: kind,
            deliveryKey: claim.n.deliveryKey,
            startedAt,
            durationMs: performance.now() - started,
            ...details,
            error,
          });
        let receipt: DeliveryAttemptDetails;
        try {
          if (typeof claim.target === 'string') {
            throw new DomainError(NotificationErrorCodes.NO_RECIPIENT, `cannot deliver: ${claim.target}`);
          }
          const { reference: _reference, ...details } = await deps.channels[kind].send({
            ...messageOf(claim.n, claim.target),
            attachments: await attachmentsFor(claim.n),
          });
          receipt = details;
        } catch (e) {
          const failed = attempt(attemptDetailsOf(e), errorText(e));
          await deps.uow.run(async (tx) => {
            await tx.attempts.append(failed);
            const n = await load(tx, input.notificationId);
            if (n.isSettled()) return;
            n.recordFailedAttempt(errorText(e), now());
            await tx.notifications.save(n);
          });
          if (isPermanentDeliveryError(e)) {
            throw ApplicationFailure.nonRetryable(e.message, e.code);
          }
          if (e instanceof DomainError) throw e;
          throw ApplicationFailure.retryable(errorText(e), 'NOTIFICATION.DELIVERY_ATTEMPT_FAILED');
        }
        const succeeded = attempt(receipt, null);
        return deps.uow.run(async (tx) => {
          await tx.attempts.append(succeeded);
          const n = await load(tx, input.notificationId);
          if (!n.isSettled()) {
            n.markSent(now());
            await commit(tx, n);
          }
          return stepResult(n);
        });
      });

  return {
    /** Creates this event's notifications on the partner's chosen channels (once: a repeat finds them). */
    async recordNotifications(input: RecordNotificationsInput): Promise<RecordNotificationsResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const type = requireNotificationType(input.eventType);
          const partner = await tx.partnerSettings.find(input.partnerId);
          if (!partner) {
            throw new DomainError(ErrorCodes.PARTNER_NOT_FOUND, `partner ${input.partnerId} not found`);
          }
          const facts = factsOf(input);
          const channels = partner.preferences
            .channelsFor(type)
            // Without a webhook URL there is nowhere to post: not a failure, just not a channel.
            .filter((c) => c !== 'WEBHOOK' || partner.webhookUrl !== null);
          const content = renderNotificationContent(type, facts, partner.name);
          const events: DomainEvent[] = [];
          const notifications: RecordNotificationsResult['notifications'] = [];
          for (const channel of channels) {
            let n = await tx.notifications.findBySource(input.sourceEventId, channel);
            if (!n) {
              n = Notification.create({
                id: newId(),
                partnerId: input.partnerId,
                sourceEventId: input.sourceEventId,
                channel,
                type,
                content,
                facts,
                now: now(),
              });
              await tx.notifications.save(n);
              events.push(...n.pullEvents());
            }
            notifications.push({ notificationId: n.id, channel, status: n.status });
          }
          await tx.events.append(events, executionMeta());
          return { notifications };
        }),
      );
    },

    deliverEmail: deliverOn('EMAIL'),
    deliverWebhook: deliverOn('WEBHOOK'),
    deliverInApp: deliverOn('IN_APP'),

    /** Retries are spent: FAILED with the reason (a no-op if it got through meanwhile). */
    async markNotificationFailed(input: MarkNotificationFailedInput): Promise<NotificationStepResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const n = await load(tx, input.notificationId);
          if (!n.isSettled()) {
            n.markFailed(input.reason, now());
            await commit(tx, n);
          }
          return stepResult(n);
        }),
      );
    },

    /** An operator's resend: back to PENDING as a new delivery. */
    async requeueNotification(input: RequeueNotificationInput): Promise<NotificationStepResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const n = await load(tx, input.notificationId);
          n.requestResend(input.requestId, now());
          await commit(tx, n);
          return stepResult(n);
        }),
      );
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

export interface NotificationSignalDeps {
  notifier: PartnerNotifier;
  /** Test-only (TEST_CRASH_PLAN): may stop the process right after the notice was signalled. */
  crashPoint?: CrashPoint;
  /** Test-only (TEST_FAULTS=notify-partner): every notice fails, so giving up on one is exercised. */
  failEveryNotice?: boolean;
  /** Test-only (TEST_FAULTS=notify-partner-unavailable): every notice fails retryably, as when Temporal is unreachable. */
  noticesUnavailable?: boolean;
}

/**
 * Runs on the payments worker: the payment workflow's way of telling a partner's notification
 * workflow about a transition without waiting for any delivery (workflow code cannot
 * signal-with-start itself).
 */
export function createNotificationSignalActivities(deps: NotificationSignalDeps) {
  return {
    async notifyPartner(input: NotifyPartnerInput): Promise<void> {
      // Internal steps (approved, processing) are nobody's news: no signal, no history.
      if (!notificationTypeOf(input.eventType)) return;
      if (deps.failEveryNotice) {
        await withDomainFailures(() => {
          throw new DomainError('TEST.INJECTED_FAULT', 'injected fault: notifyPartner fails (TEST_FAULTS)');
        });
      }
      if (deps.noticesUnavailable) {
        throw new Error('injected fault: the partner notification workflow is unreachable (TEST_FAULTS)');
      }
      await deps.notifier.notify(input);
      if ('paymentId' in input) {
        deps.crashPoint?.({
          step: `notice:${input.eventType}`,
          partnerId: input.partnerId,
          paymentId: input.paymentId,
        });
      }
    },
  };
}

export type NotificationSignalActivities = ReturnType<typeof createNotificationSignalActivities>;
