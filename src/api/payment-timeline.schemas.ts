import { z } from './zod-openapi';

export const timelineEntry = z
  .object({
    at: z.string().openapi({ description: 'ISO-8601; the list is ordered by it' }),
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
    label: z.string().openapi({ example: 'Pay out through the bank: attempt 2 failed' }),
    name: z.string().optional(),
    attempt: z.number().int().optional(),
    failure: z.string().optional().openapi({ description: 'the last failure message' }),
    nextAt: z
      .string()
      .optional()
      .openapi({ description: 'next retry of a retrying activity, or when a timer fires' }),
    historyEventId: z.number().int().optional(),
    position: z.number().int().optional(),
  })
  .openapi('TimelineEntry');

export const paymentTimeline = z
  .object({
    paymentId: z.uuid(),
    status: z.string(),
    workflowId: z.string(),
    runId: z.string().nullable(),
    temporalUiUrl: z.string(),
    history: z.enum(['available', 'deleted']),
    workflowStatus: z.string().nullable(),
    message: z.string().nullable().openapi({ description: 'set when the workflow history is gone' }),
    entries: z.array(timelineEntry),
  })
  .openapi('PaymentTimeline');
