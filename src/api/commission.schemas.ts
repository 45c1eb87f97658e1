import {
  COMMISSION_DESCRIPTION_MAX_LENGTH,
  COMMISSION_KINDS,
  COMMISSION_REASON_MAX_LENGTH,
  COMMISSION_REFERENCE_MAX_LENGTH,
  COMMISSION_STATUSES,
  COMMISSION_STORED_REFERENCE_MAX_LENGTH,
} from '../domain/commission.aggregate';
import { pageQuery } from './pagination';
import { partnerResponse } from './partner.schemas';
import { z } from './zod-openapi';

/** Most items one POST /commissions may carry; larger feeds go through the streamed import. */
export const COMMISSION_BATCH_MAX = 1000;
/** Most data rows one import reads; the rest of the file is not read. */
export const COMMISSION_IMPORT_MAX_ROWS = 100_000;
/** Refusals listed in an import report; `refusedCount` is always the true total. */
export const COMMISSION_IMPORT_MAX_REFUSALS_LISTED = 1000;
export const COMMISSION_IMPORT_MEDIA_TYPES = ['text/csv', 'application/x-ndjson'] as const;

const currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO-4217 code such as COP or USD' });

export const amountMinor = z
  .number({ message: 'must be an integer of minor units' })
  .int({ message: 'must be an integer of minor units' })
  .positive({ message: 'must be greater than zero' })
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ description: 'integer minor units of `currency` (1505000 COP = 15 050,00 COP)' });

/** One accrual. The domain checks the rest (known currency, reserved suffix, occurredAt not far ahead). */
export const commissionInput = z
  .strictObject({
    externalRef: z
      .string()
      .trim()
      .min(1)
      .max(COMMISSION_REFERENCE_MAX_LENGTH)
      .openapi({ description: 'The reporting system’s conversion id; the idempotency key of the accrual' }),
    partnerId: z.uuid({ message: 'must be the UUID of a registered partner' }),
    currency,
    amountMinor,
    description: z.string().max(COMMISSION_DESCRIPTION_MAX_LENGTH).optional(),
    occurredAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a zone' })
      .openapi({
        description: 'When the conversion happened (with `Z` or an offset); the hold runs from here',
        example: '2024-03-31T12:00:00Z',
      }),
  })
  .openapi('CommissionInput');
export type CommissionInput = z.output<typeof commissionInput>;

export const commissionBatch = z.array(z.unknown()).min(1).max(COMMISSION_BATCH_MAX);

/** What POST /commissions documents; the handler validates it item by item (see commission.routes). */
export const accrueCommissionsBody = z
  .union([commissionInput, z.array(commissionInput).min(1).max(COMMISSION_BATCH_MAX)])
  .openapi('AccrueCommissions', {
    description: `One commission, or an array of up to ${COMMISSION_BATCH_MAX} (all-or-nothing)`,
  });

/** A CSV row: every field is text, amounts are digits. */
export const commissionCsvRow = commissionInput.extend({
  amountMinor: z
    .string()
    .trim()
    .regex(/^-?\d{1,20}$/, { message: 'must be an integer of minor units (digits only)' })
    .transform(Number)
    .pipe(amountMinor),
  // An empty cell is no description.
  description: z
    .string()
    .max(COMMISSION_DESCRIPTION_MAX_LENGTH)
    .optional()
    .transform((d) => (d === '' ? undefined : d)),
});
export const COMMISSION_CSV_COLUMNS = Object.keys(commissionCsvRow.shape);
export const COMMISSION_CSV_REQUIRED_COLUMNS = COMMISSION_CSV_COLUMNS.filter((c) => c !== 'description');

export const externalRefParam = z.object({
  externalRef: z
    .string()
    .min(1)
    .max(COMMISSION_STORED_REFERENCE_MAX_LENGTH)
    .openapi({ description: 'URL-encoded; a clawback’s is the original’s + `:clawback`' }),
});

export const reverseCommissionBody = z
  .strictObject({ reason: z.string().trim().min(1).max(COMMISSION_REASON_MAX_LENGTH) })
  .openapi('ReverseCommission');

export const listCommissionsQuery = z.object({
  partnerId: z.uuid().optional(),
  status: z
    .enum(COMMISSION_STATUSES)
    .optional()
    .openapi({ description: 'Effective status: a PENDING commission past its hold is PAYABLE' }),
  currency: currency.optional(),
  kind: z.enum(COMMISSION_KINDS).optional(),
  occurredFrom: z.iso.datetime({ offset: true }).optional().openapi({ description: 'inclusive' }),
  occurredTo: z.iso.datetime({ offset: true }).optional().openapi({ description: 'exclusive' }),
  ...pageQuery,
});

export const commissionResponse = z
  .object({
    id: z.uuid(),
    externalRef: z.string(),
    partnerId: z.uuid(),
    kind: z.enum(COMMISSION_KINDS),
    currency: z.string(),
    amountMinor: z.number().int().openapi({ description: 'minor units; negative for a CLAWBACK' }),
    description: z.string(),
    occurredAt: z.string(),
    holdUntil: z.string().openapi({ description: 'not payable before this instant' }),
    status: z
      .enum(COMMISSION_STATUSES)
      .openapi({ description: 'Effective status: a PENDING commission past its hold reads PAYABLE' }),
    settlementId: z.string().nullable(),
    paymentId: z.string().nullable(),
    reversalReason: z.string().nullable(),
    reversedBy: z.string().nullable(),
    reversedAt: z.string().nullable(),
    reversalPending: z.boolean().openapi({ description: 'reversal requested while SETTLING' }),
    clawbackOf: z.string().nullable().openapi({ description: 'for a CLAWBACK: the original’s externalRef' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Commission');

export const commissionPage = z
  .object({ items: z.array(commissionResponse), nextCursor: z.string().nullable() })
  .openapi('CommissionPage');

export const batchResponse = z
  .object({
    created: z.number().int(),
    existing: z.number().int(),
    items: z.array(
      z.object({
        index: z.number().int(),
        outcome: z.enum(['created', 'existing']),
        commission: commissionResponse,
      }),
    ),
  })
  .openapi('CommissionBatchResult');

export const reverseResponse = z
  .object({
    commission: commissionResponse,
    clawback: commissionResponse
      .nullable()
      .openapi({ description: 'the negative entry, when the commission had already been paid' }),
  })
  .openapi('CommissionReversal');

export const importReport = z
  .object({
    rows: z.number().int().openapi({ description: 'data rows read (a CSV header is not a row)' }),
    accepted: z.number().int().openapi({ description: 'rows that created a commission' }),
    alreadyPresent: z
      .number()
      .int()
      .openapi({ description: 'rows whose externalRef already held the same commission' }),
    refused: z
      .array(
        z.object({
          row: z.number().int().openapi({ description: '1-based data row; the CSV header is not counted' }),
          externalRef: z.string().optional(),
          code: z.string(),
          reason: z.string(),
        }),
      )
      .openapi({
        description: `the first ${COMMISSION_IMPORT_MAX_REFUSALS_LISTED} refused rows, by row number`,
      }),
    refusedCount: z.number().int(),
    truncated: z.boolean().openapi({
      description: `true when the input had more than ${COMMISSION_IMPORT_MAX_ROWS} rows: the rest was not read`,
    }),
    truncatedReason: z.string().nullable(),
  })
  .openapi('CommissionImportReport');

const money = z
  .string()
  .regex(/^-?\d+$/)
  .openapi({ description: 'decimal string of minor units' });

export const balanceResponse = z
  .object({
    partnerId: z.uuid(),
    asOf: z.string(),
    nextSettlementAt: z.string().nullable().openapi({ description: 'next scheduled settlement run, if any' }),
    payoutHold: partnerResponse.shape.payoutHold,
    currencies: z.array(
      z.object({
        currency: z.string(),
        pendingMinor: money.openapi({ description: 'commissions still in their hold' }),
        pendingCount: z.number().int(),
        payableMinor: money.openapi({ description: 'commissions payable now' }),
        payableCount: z.number().int(),
        clawbacksOutstandingMinor: money.openapi({ description: 'payable clawbacks (≤ 0)' }),
        clawbackCount: z.number().int(),
        netPayableMinor: money.openapi({ description: 'payable + clawbacks outstanding' }),
        settlingMinor: money.openapi({ description: 'claimed by a running settlement' }),
        settlingCount: z.number().int(),
        minimumMinor: money.openapi({ description: 'smallest net a settlement pays out in this currency' }),
      }),
    ),
  })
  .openapi('PartnerBalance');
