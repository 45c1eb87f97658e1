import { z } from './zod-openapi';
import {
  LINE_DESCRIPTION_MAX_LENGTH,
  LINE_REFERENCE_MAX_LENGTH,
} from '../domain/commission-line.value-object';
import { PAYMENT_STATUSES } from '../domain/payment-status';
import {
  actor,
  currencyCode,
  dateTime,
  ID_COLUMN_MAX_LENGTH,
  int32,
  logPosition,
  MESSAGE_MAX_LENGTH,
  minorUnits,
  nextCursor,
  positiveMinorUnits,
  url,
  uuid,
} from './common.schemas';
import { pageQuery } from './pagination';

/** Most lines one payment may carry. */
export const PAYMENT_LINES_MAX = 1000;
/** The payment lifecycle has no cycles: fewer than ten events ever; the bound leaves room. */
const PAYMENT_EVENTS_MAX = 50;
/** Temporal workflow and run ids (`varchar(200)` in the event log). */
const temporalId = () => z.string().max(200);

export const paymentIdParam = z.object({ id: uuid('must be a UUID') });

const commissionLine = z.object({
  reference: z.string().trim().min(1).max(LINE_REFERENCE_MAX_LENGTH),
  amountMinor: positiveMinorUnits(),
  description: z.string().max(LINE_DESCRIPTION_MAX_LENGTH).default(''),
});

const currency = currencyCode();

export const createPaymentBody = z
  .object({
    partnerId: uuid('must be the UUID of a registered partner'),
    currency,
    lines: z.array(commissionLine).min(1).max(PAYMENT_LINES_MAX),
  })
  .openapi('CreatePayment');
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const decisionBody = z
  .object({
    reason: z.string().trim().min(1).max(500).optional(),
    reverseCommissions: z.boolean().optional().openapi({
      description:
        'Refund only: the settled commissions behind the payment must not be paid again (REVERSED). By default they return to PAYABLE for the next settlement run.',
    }),
  })
  .optional()
  .openapi('Decision');

export const listPaymentsQuery = z.object({
  partnerId: uuid().optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  currency: currency.optional(),
  createdFrom: dateTime().optional(),
  createdTo: dateTime().optional(),
  ...pageQuery,
});

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { message: 'printable ASCII without spaces' })
  .optional();

export const paymentHeaders = z.object({
  'idempotency-key': idempotencyKeyHeader.openapi({
    description:
      'Required: without it 400 (unless the deployment sets IDEMPOTENCY_KEY_REQUIRED=false). ' +
      'Same key and body → the same payment (200, Idempotent-Replay: true); same key, other body → 422',
  }),
});

const lineResponse = z.object({
  reference: z.string().max(LINE_REFERENCE_MAX_LENGTH),
  // Settlement payouts carry clawbacks as negative lines.
  amountMinor: minorUnits(),
  description: z.string().max(LINE_DESCRIPTION_MAX_LENGTH),
});
const eventResponse = z.object({
  position: logPosition(),
  id: uuid(),
  type: z.string().max(64),
  occurredAt: dateTime(),
  data: z.record(z.string(), z.unknown()),
});

export const paymentResponse = z
  .object({
    id: uuid(),
    partnerId: z.string().max(ID_COLUMN_MAX_LENGTH),
    currency: currencyCode(),
    totalMinor: minorUnits().openapi({ description: 'integer minor units of `currency`' }),
    status: z.enum(PAYMENT_STATUSES),
    lines: z.array(lineResponse).max(PAYMENT_LINES_MAX),
    createdBy: actor(),
    approvedBy: actor().nullable(),
    decidedBy: actor().nullable().optional(),
    reason: z.string().max(MESSAGE_MAX_LENGTH).nullable(),
    payoutReference: z.string().max(200).nullable().optional(),
    refundReference: z.string().max(200).nullable().optional(),
    payout: z
      .object({
        provider: z.string().max(40).nullable(),
        attempts: z
          .array(
            z.object({
              attempt: int32(),
              provider: z.string().max(40),
              status: z.enum(['SENT', 'PAID', 'DECLINED']),
              reason: z.string().max(MESSAGE_MAX_LENGTH).nullable(),
              reference: z.string().max(200).nullable(),
              at: dateTime(),
            }),
          )
          .max(10),
      })
      .optional()
      .openapi({
        description:
          'The payout providers it was sent to (PAYOUT_ROUTES), in order: a DECLINED attempt moved it to the next one; absent before routing',
      }),
    reconciliation: z.enum(['AWAITING_STATEMENT', 'BOOKED', 'RETURNED']).optional().openapi({
      description:
        'Paid by bank file: AWAITING_STATEMENT until a bank statement books it, BOOKED, or RETURNED by the bank; absent for other rails',
    }),
    createdAt: dateTime().optional(),
    updatedAt: dateTime().optional(),
    version: int32().optional(),
    workflowId: temporalId(),
    runId: temporalId().nullable(),
    temporalUiUrl: url(),
    events: z
      .array(eventResponse)
      .max(PAYMENT_EVENTS_MAX)
      .optional()
      .openapi({ description: `the payment's events, oldest first (at most ${PAYMENT_EVENTS_MAX})` }),
  })
  .openapi('Payment');

export const acceptedPayment = z
  .object({
    id: uuid(),
    status: z.literal('PENDING'),
    workflowId: temporalId(),
    runId: temporalId(),
    temporalUiUrl: url(),
  })
  .openapi('AcceptedPayment');

export const paymentPage = z
  .object({ items: z.array(paymentResponse).max(200), nextCursor: nextCursor() })
  .openapi('PaymentPage');

export const statementQuery = z.object({
  format: z.enum(['json', 'csv', 'html']).default('json'),
});
