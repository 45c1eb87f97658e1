import { z } from './zod-openapi';
import { PAYMENT_STATUSES } from '../domain/payment-status';
import { currencyCode, dateTime, ID_COLUMN_MAX_LENGTH, minorUnits, uuid } from './common.schemas';

/** Temporal workflow and run ids (`varchar(200)`). */
const temporalId = () => z.string().max(200);

const EXECUTION_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'TERMINATED',
  'TIMED_OUT',
  'CANCELLED',
  'CONTINUED_AS_NEW',
  'NOT_FOUND',
] as const;

/** The most orphans one answer lists (oldest first); an operator works them from the top. */
export const ORPHANS_MAX = 500;

export const orphanedPayment = z
  .object({
    paymentId: uuid(),
    partnerId: z.string().max(ID_COLUMN_MAX_LENGTH),
    currency: currencyCode(),
    totalMinor: minorUnits(),
    paymentStatus: z.enum(PAYMENT_STATUSES),
    workflowStatus: z.enum(EXECUTION_STATUSES),
    workflowRunId: temporalId().nullable(),
    orphanedAt: dateTime(),
    detectedAt: dateTime(),
  })
  .openapi('OrphanedPayment');

export const orphanList = z
  .object({ items: z.array(orphanedPayment).max(ORPHANS_MAX) })
  .openapi('OrphanedPayments');

export const recoveredPayment = z
  .object({
    paymentId: uuid(),
    status: z.enum(PAYMENT_STATUSES),
    workflowId: temporalId(),
    runId: temporalId(),
  })
  .openapi('RecoveredPayment');
