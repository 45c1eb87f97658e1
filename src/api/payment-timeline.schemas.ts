import { z } from './zod-openapi';
import { dateTime, int32, logPosition, MESSAGE_MAX_LENGTH, url, uuid } from './common.schemas';
import { PAYMENT_STATUSES } from '../domain/payment-status';

/**
 * Temporal terminates a workflow whose history passes 51,200 events (its default history count
 * limit); the timeline adds the payment's own events, fewer than ten.
 */
const TIMELINE_ENTRIES_MAX = 51_200 + 50;

export const timelineEntry = z
  .object({
    at: dateTime().openapi({ description: 'ISO-8601; the list is ordered by it' }),
    source: z.enum(['temporal', 'event-log']),
    kind: z.enum([
      'workflow',
      'activity-scheduled',
      'activity-started',
      'activity-completed',
      'activity-failed',
      'activity-retrying',
      'timer-started',
      'timer-fired',
      'timer-cancelled',
      'update-accepted',
      'update-completed',
      'update-refused',
      'signal',
      'event',
    ]),
    label: z
      .string()
      .max(MESSAGE_MAX_LENGTH)
      .openapi({ example: 'Pay out through the bank: attempt 2 failed' }),
    name: z.string().max(200).optional().openapi({ description: 'activity, update, timer or event type' }),
    attempt: int32(1).optional(),
    failure: z
      .string()
      .max(500)
      .optional()
      .openapi({ description: 'the last failure message (its first 500 characters)' }),
    nextAt: dateTime()
      .optional()
      .openapi({ description: 'next retry of a retrying activity, or when a timer fires' }),
    historyEventId: logPosition().optional(),
    position: logPosition().optional(),
  })
  .openapi('TimelineEntry');

export const paymentTimeline = z
  .object({
    paymentId: uuid(),
    status: z.enum(PAYMENT_STATUSES),
    workflowId: z.string().max(200),
    runId: z.string().max(200).nullable(),
    temporalUiUrl: url(),
    history: z.enum(['available', 'deleted']),
    workflowStatus: z
      .string()
      .max(64)
      .nullable()
      .openapi({ description: 'the workflow execution status, e.g. RUNNING or COMPLETED' }),
    message: z
      .string()
      .max(MESSAGE_MAX_LENGTH)
      .nullable()
      .openapi({ description: 'set when the workflow history is gone' }),
    entries: z.array(timelineEntry).max(TIMELINE_ENTRIES_MAX),
  })
  .openapi('PaymentTimeline');
