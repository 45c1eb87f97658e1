import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/notification.activities';
import type {
  DeliverNotificationInput,
  DeliverNotificationResult,
} from '../activities/notification.activities.types';
import type {
  ChannelDeliverySettings,
  NotificationChannelName,
  NotifyPartnerInput,
  ResendNotificationInput,
  RetrySettings,
} from '../ports/notification.port';
import {
  getNotificationStateQuery,
  paymentEventSignal,
  resendNotificationSignal,
  type PartnerNotificationsInput,
  type PartnerNotificationsResult,
  type PartnerNotificationsState,
  type PendingDelivery,
} from './partner-notifications.messages';

/** How many handled source-event ids a partner's workflow remembers (and carries across continue-as-new). */
export const DEDUPE_MEMORY = 5_000;

type Message =
  { kind: 'event'; event: NotifyPartnerInput } | { kind: 'resend'; request: ResendNotificationInput };

type Deliver = (input: DeliverNotificationInput) => Promise<DeliverNotificationResult>;

const retryOf = (s: RetrySettings, maximumAttempts?: number): ActivityOptions => ({
  startToCloseTimeout: s.startToCloseMs,
  retry: {
    initialInterval: s.initialIntervalMs,
    maximumInterval: s.maxIntervalMs,
    backoffCoefficient: 2,
    maximumAttempts,
  },
});

/**
 * One per partner (id `partner-notifications:<partnerId>`), started by the first signal. Payment
 * events are recorded in arrival order, one at a time; each resulting notification is then
 * delivered by its channel's own activity, concurrently and independently, so a dead receiver
 * delays only its own deliveries. Handled source-event ids are remembered (bounded) so a repeated
 * signal delivers nothing twice, and the workflow continues as new before its history grows large.
 */
export async function partnerNotificationsWorkflow(
  input: PartnerNotificationsInput,
): Promise<PartnerNotificationsResult> {
  const { partnerId, settings } = input;
  const carry = input.carry;

  // Record/mark activities touch only the database: retried until it answers.
  const record = proxyActivities<NotificationActivities>(retryOf(settings.record));
  const channelProxy = (c: ChannelDeliverySettings) =>
    proxyActivities<NotificationActivities>(retryOf(c, c.maximumAttempts));
  const deliverers: Record<NotificationChannelName, Deliver> = {
    EMAIL: channelProxy(settings.channels.EMAIL).deliverEmail,
    WEBHOOK: channelProxy(settings.channels.WEBHOOK).deliverWebhook,
    IN_APP: channelProxy(settings.channels.IN_APP).deliverInApp,
  };

  const seenOrder: string[] = [...(carry?.seenIds ?? [])].slice(-DEDUPE_MEMORY);
  const seen = new Set(seenOrder);
  const remember = (id: string): void => {
    seen.add(id);
    seenOrder.push(id);
    while (seenOrder.length > DEDUPE_MEMORY) seen.delete(seenOrder.shift()!);
  };

  const queue: Message[] = [];
  const inFlight = new Map<string, PendingDelivery>();
  const state: PartnerNotificationsState = {
    partnerId,
    run: (carry?.run ?? 0) + 1,
    handledThisRun: 0,
    handledTotal: carry?.handledTotal ?? 0,
    queued: 0,
    inFlight: [],
    rememberedIds: seen.size,
    duplicatesIgnored: carry?.duplicatesIgnored ?? 0,
    sentThisRun: 0,
    failedThisRun: 0,
    skippedThisRun: 0,
  };

  setHandler(paymentEventSignal, (event) => {
    if (!event || typeof event.sourceEventId !== 'string' || event.partnerId !== partnerId) {
      log.warn('ignoring a payment event for another partner or without a source event id', { partnerId });
      return;
    }
    // Deduped on arrival, so a duplicate never takes a place in the queue.
    if (seen.has(event.sourceEventId)) {
      state.duplicatesIgnored += 1;
      return;
    }
    remember(event.sourceEventId);
    queue.push({ kind: 'event', event });
  });

  setHandler(resendNotificationSignal, (request) => {
    if (!request || typeof request.notificationId !== 'string' || typeof request.requestId !== 'string')
      return;
    const key = `resend:${request.requestId}`;
    if (seen.has(key)) {
      state.duplicatesIgnored += 1;
      return;
    }
    remember(key);
    queue.push({ kind: 'resend', request });
  });

  setHandler(getNotificationStateQuery, () => ({
    ...state,
    queued: queue.length,
    inFlight: [...inFlight.values()],
    rememberedIds: seen.size,
  }));

  /** Runs one delivery to its end: SENT, or FAILED with the reason once its retries are spent. */
  async function deliver(d: PendingDelivery): Promise<void> {
    try {
      const result = await deliverers[d.channel]({
        notificationId: d.notificationId,
        leaseMs: settings.channels[d.channel].startToCloseMs,
      });
      if (result.status === 'SENT') state.sentThisRun += 1;
    } catch (err) {
      // The workflow itself is being cancelled: its main loop reports that, not each delivery.
      if (isCancellation(err)) return;
      try {
        await record.markNotificationFailed({ notificationId: d.notificationId, reason: failureReason(err) });
        state.failedThisRun += 1;
      } catch (markErr) {
        if (isCancellation(markErr)) return;
        log.error('could not mark a notification FAILED', {
          notificationId: d.notificationId,
          error: String(markErr),
        });
      }
    }
  }

  async function startDelivery(d: PendingDelivery): Promise<void> {
    if (inFlight.has(d.notificationId)) return;
    // Bounded concurrency: a receiver that is down for hours cannot grow this without limit.
    await condition(() => inFlight.size < settings.maxConcurrentDeliveries);
    inFlight.set(d.notificationId, d);
    void deliver(d).finally(() => inFlight.delete(d.notificationId));
  }

  async function handle(message: Message): Promise<void> {
    try {
      if (message.kind === 'event') {
        const { notifications } = await record.recordNotifications(message.event);
        for (const n of notifications) {
          if (n.status === 'PENDING')
            await startDelivery({ notificationId: n.notificationId, channel: n.channel });
        }
      } else {
        if (inFlight.has(message.request.notificationId)) return;
        const n = await record.requeueNotification({
          notificationId: message.request.notificationId,
          requestId: message.request.requestId,
        });
        if (n.status === 'PENDING')
          await startDelivery({ notificationId: n.notificationId, channel: n.channel });
      }
    } catch (err) {
      // Only refusals reach here (unknown partner, bad event, nothing to resend): skip, keep going.
      if (isCancellation(err)) throw err;
      state.skippedThisRun += 1;
      log.warn('skipped a notification message', { kind: message.kind, reason: failureReason(err) });
    }
  }

  const timeToContinue = (): boolean =>
    state.handledThisRun >= settings.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested;

  for (const d of carry?.deliveries ?? []) await startDelivery(d);

  for (;;) {
    await condition(() => queue.length > 0 || timeToContinue());
    const next = queue.shift();
    if (next) {
      await handle(next);
      state.handledThisRun += 1;
      state.handledTotal += 1;
      continue;
    }
    // Drained: no message waits and no handler is mid-way, so nothing is lost by moving on.
    await condition(allHandlersFinished);
    if (queue.length === 0) break;
  }

  return continueAsNew<typeof partnerNotificationsWorkflow>({
    partnerId,
    settings,
    carry: {
      seenIds: seenOrder,
      deliveries: [...inFlight.values()],
      handledTotal: state.handledTotal,
      duplicatesIgnored: state.duplicatesIgnored,
      run: state.run,
    },
  });
}

/** The last attempt's error, prefixed with its code when it has one (e.g. NOTIFICATION.DELIVERY_REFUSED). */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && /^[A-Z_]+\.[A-Z_]+$/.test(cause.type)) {
    return `${cause.type}: ${cause.message}`;
  }
  return cause instanceof Error ? cause.message : String(cause);
}
