import { EXCEPTION_RESOLUTIONS, EXCEPTION_STATUSES } from '../domain/reconciliation-exception.aggregate';
import { EXCEPTION_KINDS, RECONCILIATION_STATES } from '../domain/statement-matching';
import { z } from './zod-openapi';
import {
  actor,
  currencyCode,
  dateTime,
  day,
  int32,
  MESSAGE_MAX_LENGTH,
  minorString,
  minorUnits,
  uuid,
} from './common.schemas';

export const RECONCILIATION_EXCEPTIONS_MAX = 500;
/** The largest statement an upload takes in (a camt.053 of a busy day is a few MB). */
export const STATEMENT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
export const STATEMENT_MEDIA_TYPES = ['application/xml', 'text/xml'] as const;

export const reconciliationState = () =>
  z.enum(RECONCILIATION_STATES).openapi({
    description:
      'AWAITING_STATEMENT: accepted by the bank, no statement has booked it yet; BOOKED: matched on a statement; RETURNED: the bank returned it',
  });

export const appliedStatement = z
  .object({
    messageId: z.string().max(35),
    kind: z.enum(['camt.053', 'camt.054']),
    applied: z.boolean().openapi({ description: 'false: this MsgId was applied before; nothing changed' }),
    booked: int32(),
    returned: int32(),
    exceptions: int32().openapi({ description: 'exceptions raised by this statement (new ones only)' }),
  })
  .openapi('AppliedStatement');

export const fetchResult = z
  .object({
    notices: z.array(appliedStatement).max(10_000),
    statements: z.array(appliedStatement).max(10_000),
    notBooked: int32(),
  })
  .openapi('StatementFetch');

export const exceptionListQuery = z.object({
  kind: z.enum(EXCEPTION_KINDS).optional(),
  status: z.enum(EXCEPTION_STATUSES).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(RECONCILIATION_EXCEPTIONS_MAX)
    .default(100)
    .openapi({ format: 'int32' }),
});

// A string of digits on the wire (OWASP: ids in paths are not numbers), a number once parsed.
export const exceptionParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'an exception id')
    .max(10)
    .transform(Number)
    .refine((n) => n <= 2_147_483_647, 'an exception id'),
});

export const resolveBody = z
  .object({
    resolution: z.enum(EXCEPTION_RESOLUTIONS),
    reason: z.string().trim().min(3).max(MESSAGE_MAX_LENGTH),
  })
  .strict()
  .openapi('ResolveException');

export const reconciliationException = z
  .object({
    id: int32(),
    kind: z.enum(EXCEPTION_KINDS),
    status: z.enum(EXCEPTION_STATUSES),
    account: z.string().max(40).nullable(),
    reference: z.string().max(200).nullable().openapi({ description: 'as the bank wrote it' }),
    amountMinor: minorUnits()
      .nullable()
      .openapi({ description: 'as the bank wrote it (NOT_BOOKED: the payout)' }),
    expectedMinor: minorUnits().nullable(),
    currency: currencyCode().nullable(),
    paymentId: uuid().nullable(),
    bookingDate: day().nullable(),
    detail: z.string().max(MESSAGE_MAX_LENGTH),
    createdAt: dateTime(),
    ageSeconds: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' }),
    resolution: z.enum(EXCEPTION_RESOLUTIONS).nullable(),
    reason: z
      .string()
      .max(2 * MESSAGE_MAX_LENGTH + 3)
      .nullable(),
    proposedBy: actor().nullable(),
    resolvedBy: actor().nullable(),
    resolvedAt: dateTime().nullable(),
  })
  .openapi('ReconciliationException');

export const exceptionList = z
  .object({ items: z.array(reconciliationException).max(RECONCILIATION_EXCEPTIONS_MAX) })
  .openapi('ReconciliationExceptionList');

export const resolveResult = z
  .object({ id: int32(), status: z.enum(['RESOLVED', 'AWAITING_SECOND_APPROVAL']) })
  .openapi('ResolvedException');

export const reportQuery = z.object({ date: day(), format: z.enum(['json', 'csv']).default('json') });

export const reportRow = z.object({
  source: z.enum(['PAYOUT', 'ENTRY']),
  paymentId: uuid().nullable(),
  endToEndId: z.string().max(35).nullable(),
  entryRef: z.string().max(200).nullable(),
  batchRef: z.string().max(35).nullable(),
  account: z.string().max(40).nullable(),
  bookingDate: day().nullable(),
  creditDebit: z.string().max(4).nullable(),
  amountMinor: minorUnits(),
  currency: currencyCode(),
  matchedAs: z.string().max(40),
});

export const REPORT_COLUMNS = [
  'source',
  'paymentId',
  'endToEndId',
  'entryRef',
  'batchRef',
  'account',
  'bookingDate',
  'creditDebit',
  'amountMinor',
  'currency',
  'matchedAs',
] as const;

export const reconciliationReport = z
  .object({ date: day(), rows: z.array(reportRow).max(1_000_000) })
  .openapi('ReconciliationReport');

/** The longest range the summary covers in one answer. */
export const RECONCILIATION_DAYS_MAX = 92;

export const daysQuery = z.object({
  to: day().optional().openapi({ description: 'the last execution day (default: today, UTC)' }),
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(RECONCILIATION_DAYS_MAX)
    .default(14)
    .openapi({ format: 'int32', description: 'how many days up to `to`' }),
});

const tally = z.object({ count: int32(), amountMinor: minorString() }).openapi('ReconciliationTally');

export const reconciliationDay = z
  .object({
    date: day().openapi({ description: 'execution day' }),
    account: z.string().max(40).openapi({ description: 'our debtor account' }),
    currency: currencyCode(),
    expected: tally.openapi({ description: 'payouts the bank took by file' }),
    booked: tally,
    returned: tally,
    awaiting: tally.openapi({ description: 'not named by a statement yet' }),
  })
  .openapi('ReconciliationDay');

export const reconciliationDays = z
  .object({
    from: day(),
    to: day(),
    writeOffFourEyesAboveMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({
      format: 'int64',
      description: 'a write-off of more than this (minor units) needs a second operator',
    }),
    items: z.array(reconciliationDay).max(RECONCILIATION_DAYS_MAX * 100),
  })
  .openapi('ReconciliationDays');
