import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { decodeFailure, decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToDate, optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type {
  PaymentTimelineReader,
  TimelineEntry,
  WorkflowTimeline,
} from '../../ports/payment-timeline.port';
import { paymentWorkflowId } from '../../workflows/workflow-ids';
import { localActivityMarker } from './local-activity-marker';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ProtoFailure = temporal.api.failure.v1.IFailure;
const EventType = temporal.api.enums.v1.EventType;

/** What each step of the payment workflow does, as an operator would say it. */
const ACTIVITY_LABELS: Record<string, string> = {
  recordPayment: 'Record the payment',
  requestApproval: 'Ask for approval',
  approvePayment: 'Record the approval',
  rejectPayment: 'Record the rejection',
  cancelPayment: 'Record the cancellation',
  startProcessing: 'Start processing',
  payOut: 'Pay out through the bank',
  completePayment: 'Record the completed payout',
  failPayment: 'Record the failure',
  refundPayout: 'Refund through the bank',
  markRefunded: 'Record the refund',
  compensatePayout: 'Give the payout back (compensation)',
  markPayoutUnknown: 'Record the unknown payout outcome',
  markCompensationFailed: 'Record the failed compensation',
  notifyPartner: 'Notify the partner',
};

const UPDATE_LABELS: Record<string, string> = {
  approve: 'Approval',
  reject: 'Rejection',
  cancel: 'Cancellation',
  refund: 'Refund request',
};

const SIGNAL_LABELS: Record<string, string> = {
  resolvePayout: 'The janitor reported the payout’s outcome',
  payoutReturned: 'Reconciliation reported the payout returned by the bank',
};

const activityLabel = (name: string): string => ACTIVITY_LABELS[name] ?? name;

const iso = (d: Date | undefined): string => (d ?? new Date(0)).toISOString();

const duration = (ms: number): string => {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
};

/**
 * Reads a payment workflow's history (and, while it runs, its pending activities) through the
 * Temporal client and says what happened in plain language. Intermediate activity attempts are not
 * events in a Temporal history: the server records the last attempt's number and the failure
 * before it, and `describe()` shows a retrying activity's attempt and next retry time. Local
 * activities (the database steps) leave one marker each, with their attempt count and outcome.
 */
export class TemporalPaymentTimelineReader implements PaymentTimelineReader {
  constructor(private readonly client: Client) {}

  async read(paymentId: string): Promise<WorkflowTimeline> {
    const handle = this.client.workflow.getHandle(paymentWorkflowId(paymentId));
    let events: HistoryEvent[];
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await handle.describe();
      events = (await handle.fetchHistory()).events ?? [];
    } catch (e) {
      if (isNotFound(e)) return { history: 'deleted', entries: [] };
      throw e;
    }
    const entries = await this.describeHistory(events);
    // A closed workflow can still list an activity it never heard back from: not pending any more.
    const pendingActivities =
      description.status.name === 'RUNNING' ? (description.raw.pendingActivities ?? []) : [];
    for (const pending of pendingActivities) {
      const name = pending.activityType?.name ?? 'activity';
      const attempt = pending.attempt ?? 1;
      const failure = pending.lastFailure ? await this.message(pending.lastFailure) : undefined;
      const next = optionalTsToDate(pending.nextAttemptScheduleTime);
      const lastStarted = optionalTsToDate(pending.lastStartedTime);
      if (failure && next) {
        entries.push({
          at: iso(optionalTsToDate(pending.lastAttemptCompleteTime) ?? lastStarted),
          source: 'temporal',
          kind: 'activity-retrying',
          label: `${activityLabel(name)}: attempt ${attempt - 1} failed, retrying (attempt ${attempt}) at ${next.toISOString()}`,
          name,
          attempt,
          failure,
          nextAt: next.toISOString(),
        });
      } else {
        entries.push({
          at: iso(lastStarted ?? optionalTsToDate(pending.scheduledTime) ?? undefined),
          source: 'temporal',
          kind: 'activity-started',
          label: `${activityLabel(name)}: attempt ${attempt} running`,
          name,
          attempt,
          ...(failure ? { failure } : {}),
        });
      }
    }
    return {
      history: 'available',
      workflowStatus: description.status.name,
      runId: description.runId,
      entries,
    };
  }

  private async describeHistory(events: HistoryEvent[]): Promise<TimelineEntry[]> {
    const entries: TimelineEntry[] = [];
    const activities = new Map<number, string>();
    const timers = new Map<string, { kind: string; firesAt?: string }>();
    const updates = new Map<string, string>();
    /** A timer after the payout was recorded is the refund window; before it, the approval deadline. */
    let paidOut = false;
    for (const ev of events) {
      const at = iso(optionalTsToDate(ev.eventTime));
      const historyEventId = Number(ev.eventId ?? 0);
      const base = { at, source: 'temporal' as const, historyEventId };
      switch (ev.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
          entries.push({ ...base, kind: 'workflow', label: 'Workflow started' });
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
          const name = ev.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
          activities.set(historyEventId, name);
          entries.push({
            ...base,
            kind: 'activity-scheduled',
            name,
            label: `${activityLabel(name)}: scheduled`,
          });
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const a = ev.activityTaskStartedEventAttributes!;
          const name = activities.get(Number(a.scheduledEventId)) ?? 'activity';
          const attempt = a.attempt ?? 1;
          const failure = a.lastFailure ? await this.message(a.lastFailure) : undefined;
          // Only the last attempt is an event: the ones before it failed, the last of them with `failure`.
          for (let n = 1; n < attempt; n++) {
            entries.push({
              ...base,
              kind: 'activity-failed',
              name,
              attempt: n,
              label: `${activityLabel(name)}: attempt ${n} failed`,
              ...(n === attempt - 1 && failure ? { failure } : {}),
            });
          }
          entries.push({
            ...base,
            kind: 'activity-started',
            name,
            attempt,
            label: `${activityLabel(name)}: attempt ${attempt} started`,
          });
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const name =
            activities.get(Number(ev.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? '';
          if (name === 'completePayment') paidOut = true;
          entries.push({ ...base, kind: 'activity-completed', name, label: `${activityLabel(name)}: done` });
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
          const a = ev.activityTaskFailedEventAttributes ?? ev.activityTaskTimedOutEventAttributes;
          const name = activities.get(Number(a?.scheduledEventId)) ?? 'activity';
          const failure = a?.failure ? await this.message(a.failure) : undefined;
          entries.push({
            ...base,
            kind: 'activity-failed',
            name,
            label: `${activityLabel(name)}: failed for good${
              ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ? ' (timed out)' : ''
            }`,
            ...(failure ? { failure } : {}),
          });
          break;
        }
        case EventType.EVENT_TYPE_MARKER_RECORDED: {
          // A local activity (the database steps): one marker with its outcome and attempt count.
          const marker = localActivityMarker(ev);
          if (!marker) break;
          const name = marker.activityType;
          const failure = marker.failure ? await this.message(marker.failure) : undefined;
          // The marker is written when the workflow task completes; the activity settled before that.
          const settled = marker.completedAt ? iso(marker.completedAt) : at;
          const when = settled < at ? settled : at;
          for (let n = 1; n < marker.attempt; n++) {
            entries.push({
              ...base,
              at: when,
              kind: 'activity-failed',
              name,
              attempt: n,
              label: `${activityLabel(name)}: attempt ${n} failed`,
            });
          }
          if (name === 'completePayment' && !failure) paidOut = true;
          entries.push({
            ...base,
            at: when,
            kind: failure ? 'activity-failed' : 'activity-completed',
            name,
            attempt: marker.attempt,
            label: failure ? `${activityLabel(name)}: failed for good` : `${activityLabel(name)}: done`,
            ...(failure ? { failure } : {}),
          });
          break;
        }
        case EventType.EVENT_TYPE_TIMER_STARTED: {
          const t = ev.timerStartedEventAttributes!;
          const ms = optionalTsToMs(t.startToFireTimeout) ?? 0;
          const kind = paidOut ? 'Refund window' : 'Approval deadline';
          const firesAt = new Date(Date.parse(at) + ms).toISOString();
          timers.set(t.timerId ?? '', { kind, firesAt });
          entries.push({
            ...base,
            kind: 'timer-started',
            name: kind,
            nextAt: firesAt,
            label: `${kind}: ${duration(ms)}, until ${firesAt}`,
          });
          break;
        }
        case EventType.EVENT_TYPE_TIMER_FIRED:
        case EventType.EVENT_TYPE_TIMER_CANCELED: {
          const fired = ev.eventType === EventType.EVENT_TYPE_TIMER_FIRED;
          const id = (fired ? ev.timerFiredEventAttributes : ev.timerCanceledEventAttributes)?.timerId ?? '';
          const kind = timers.get(id)?.kind ?? 'Timer';
          entries.push({
            ...base,
            kind: fired ? 'timer-fired' : 'timer-cancelled',
            name: kind,
            label: fired ? `${kind} reached` : `${kind} no longer needed`,
          });
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
          const a = ev.workflowExecutionUpdateAcceptedEventAttributes!;
          const name = a.acceptedRequest?.input?.name ?? 'update';
          updates.set(a.protocolInstanceId ?? a.acceptedRequest?.meta?.updateId ?? '', name);
          const actor = await this.actorOf(a.acceptedRequest?.input?.args?.payloads ?? undefined);
          entries.push({
            ...base,
            kind: 'update-accepted',
            name,
            label: `${UPDATE_LABELS[name] ?? name} received${actor ? ` from ${actor}` : ''}`,
          });
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
          const a = ev.workflowExecutionUpdateCompletedEventAttributes!;
          const name = updates.get(a.meta?.updateId ?? '') ?? 'update';
          const failure = a.outcome?.failure ? await this.message(a.outcome.failure) : undefined;
          entries.push({
            ...base,
            kind: failure ? 'update-refused' : 'update-completed',
            name,
            label: `${UPDATE_LABELS[name] ?? name} ${failure ? 'refused' : 'applied'}`,
            ...(failure ? { failure } : {}),
          });
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
          const name = ev.workflowExecutionSignaledEventAttributes?.signalName ?? 'signal';
          entries.push({
            ...base,
            kind: 'signal',
            name,
            label: SIGNAL_LABELS[name] ?? `Signal ${name}`,
          });
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
          entries.push({ ...base, kind: 'workflow', label: 'Workflow closed' });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
          entries.push({ ...base, kind: 'workflow', label: 'Workflow failed' });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
          entries.push({ ...base, kind: 'workflow', label: 'Workflow terminated' });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
          entries.push({ ...base, kind: 'workflow', label: 'Workflow continued as new' });
          break;
        default:
          break;
      }
    }
    return entries;
  }

  /** Failure messages can be encoded by the codec (encodeCommonAttributes); decode them the same way. */
  private async message(failure: ProtoFailure): Promise<string> {
    const { payloadCodecs } = this.client.options.loadedDataConverter;
    const decoded =
      failure.encodedAttributes && payloadCodecs.length
        ? await decodeFailure(payloadCodecs, failure)
        : failure;
    const cause = decoded.cause?.message ? ` (${decoded.cause.message})` : '';
    return `${decoded.message ?? 'failed'}${cause}`.slice(0, 500);
  }

  /** Decisions carry `{ actor }`; the payload may be encrypted, so it goes through the data converter. */
  private async actorOf(
    payloads: temporal.api.common.v1.IPayload[] | undefined,
  ): Promise<string | undefined> {
    if (!payloads?.length) return undefined;
    try {
      const input = await decodeFromPayloadsAtIndex<{ actor?: unknown }>(
        this.client.options.loadedDataConverter,
        0,
        payloads,
      );
      return typeof input?.actor === 'string' ? input.actor : undefined;
    } catch {
      // A payload this API cannot decode (another key) still leaves the entry; only the name is lost.
      return undefined;
    }
  }
}

/** gRPC status 5: the server has no such execution (never started, or deleted by retention). */
const GRPC_NOT_FOUND = 5;

const isNotFound = (e: unknown): boolean =>
  e instanceof WorkflowNotFoundError || (isGrpcServiceError(e) && e.code === GRPC_NOT_FOUND);
