import {
  COMMISSION_DESCRIPTION_MAX_LENGTH,
  COMMISSION_KINDS,
  COMMISSION_REASON_MAX_LENGTH,
  COMMISSION_REFERENCE_MAX_LENGTH,
  COMMISSION_STATUSES,
  COMMISSION_STORED_REFERENCE_MAX_LENGTH,
} from '../domain/commission.aggregate';
import { knownCurrencyCodes } from '../domain/currency.value-object';
import {
  actor,
  currencyCode,
  dateTime,
  int32,
  MESSAGE_MAX_LENGTH,
  minorString,
  minorUnits,
  nextCursor,
  uuid,
} from './common.schemas';
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
/** A refused row's externalRef is echoed up to this length (it may be why the row was refused). */
export const IMPORT_REFUSAL_REF_MAX_LENGTH = 200;
/** A balance lists one entry per currency; commissions exist in known ISO-4217 currencies only. */
const CURRENCIES_MAX = knownCurrencyCodes().length;

const currency = currencyCode();

export const amountMinor = z
  .number({ message: 'must be an integer of minor units' })
  .int({ message: 'must be an integer of minor units' })
  .positive({ message: 'must be greater than zero' })
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({
    description: 'integer minor units of `currency` (1505000 COP = 15 050,00 COP)',
    format: 'int64',
  });

/** One accrual. The domain checks the rest (known currency, reserved suffix, occurredAt not far ahead). */
export const commissionInput = z
  .strictObject({
    externalRef: z
      .string()
      .trim()
      .min(1)
      .max(COMMISSION_REFERENCE_MAX_LENGTH)
      .openapi({ description: 'The reporting system’s conversion id; the idempotency key of the accrual' }),
    partnerId: uuid('must be the UUID of a registered partner'),
    currency,
    amountMinor,
    description: z.string().max(COMMISSION_DESCRIPTION_MAX_LENGTH).optional(),
    occurredAt: dateTime('must be an ISO-8601 date-time with a zone').openapi({
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
  partnerId: uuid().optional(),
  status: z
    .enum(COMMISSION_STATUSES)
    .optional()
    .openapi({ description: 'Effective status: a PENDING commission past its hold is PAYABLE' }),
  currency: currency.optional(),
  kind: z.enum(COMMISSION_KINDS).optional(),
  occurredFrom: dateTime().optional().openapi({ description: 'inclusive' }),
  occurredTo: dateTime().optional().openapi({ description: 'exclusive' }),
  ...pageQuery,
});

/** Settlement run ids (`settlement:<day>[:<currency>]`, a `varchar(100)` column). */
const settlementId = () => z.string().max(100);

export const commissionResponse = z
  .object({
    id: uuid(),
    externalRef: z.string().max(COMMISSION_STORED_REFERENCE_MAX_LENGTH),
    partnerId: uuid(),
    kind: z.enum(COMMISSION_KINDS),
    currency: currencyCode(),
    amountMinor: minorUnits().openapi({ description: 'minor units; negative for a CLAWBACK' }),
    description: z.string().max(COMMISSION_DESCRIPTION_MAX_LENGTH),
    occurredAt: dateTime(),
    holdUntil: dateTime().openapi({ description: 'not payable before this instant' }),
    status: z
      .enum(COMMISSION_STATUSES)
      .openapi({ description: 'Effective status: a PENDING commission past its hold reads PAYABLE' }),
    settlementId: settlementId().nullable(),
    paymentId: uuid().nullable(),
    reversalReason: z.string().max(COMMISSION_REASON_MAX_LENGTH).nullable(),
    reversedBy: actor().nullable(),
    reversedAt: dateTime().nullable(),
    reversalPending: z.boolean().openapi({ description: 'reversal requested while SETTLING' }),
    clawbackOf: z
      .string()
      .max(COMMISSION_REFERENCE_MAX_LENGTH)
      .nullable()
      .openapi({ description: 'for a CLAWBACK: the original’s externalRef' }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    version: int32(),
  })
  .openapi('Commission');

export const commissionPage = z
  .object({ items: z.array(commissionResponse).max(200), nextCursor: nextCursor() })
  .openapi('CommissionPage');

export const batchResponse = z
  .object({
    created: int32(0, COMMISSION_BATCH_MAX),
    existing: int32(0, COMMISSION_BATCH_MAX),
    items: z
      .array(
        z.object({
          index: int32(0, COMMISSION_BATCH_MAX - 1),
          outcome: z.enum(['created', 'existing']),
          commission: commissionResponse,
        }),
      )
      .max(COMMISSION_BATCH_MAX),
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

/** A row count of one import: it reads at most COMMISSION_IMPORT_MAX_ROWS rows. */
const importRows = () => int32(0, COMMISSION_IMPORT_MAX_ROWS);

export const importReport = z
  .object({
    rows: importRows().openapi({ description: 'data rows read (a CSV header is not a row)' }),
    accepted: importRows().openapi({ description: 'rows that created a commission' }),
    alreadyPresent: importRows().openapi({
      description: 'rows whose externalRef already held the same commission',
    }),
    refused: z
      .array(
        z.object({
          row: int32(1, COMMISSION_IMPORT_MAX_ROWS).openapi({
            description: '1-based data row; the CSV header is not counted',
          }),
          externalRef: z
            .string()
            .max(IMPORT_REFUSAL_REF_MAX_LENGTH)
            .optional()
            .openapi({
              description: `as the row gave it (its first ${IMPORT_REFUSAL_REF_MAX_LENGTH} characters)`,
            }),
          code: z.string().max(100),
          reason: z.string().max(MESSAGE_MAX_LENGTH),
        }),
      )
      .max(COMMISSION_IMPORT_MAX_REFUSALS_LISTED)
      .openapi({
        description: `the first ${COMMISSION_IMPORT_MAX_REFUSALS_LISTED} refused rows, by row number`,
      }),
    refusedCount: importRows(),
    truncated: z.boolean().openapi({
      description: `true when the input had more than ${COMMISSION_IMPORT_MAX_ROWS} rows: the rest was not read`,
    }),
    truncatedReason: z.string().max(MESSAGE_MAX_LENGTH).nullable(),
  })
  .openapi('CommissionImportReport');

const money = minorString;
const commissionCount = () => int32();

export const balanceResponse = z
  .object({
    partnerId: uuid(),
    asOf: dateTime(),
    nextSettlementAt: dateTime().nullable().openapi({ description: 'next scheduled settlement run, if any' }),
    payoutHold: partnerResponse.shape.payoutHold,
    currencies: z
      .array(
        z.object({
          currency: currencyCode(),
          pendingMinor: money().openapi({ description: 'commissions still in their hold' }),
          pendingCount: commissionCount(),
          payableMinor: money().openapi({ description: 'commissions payable now' }),
          payableCount: commissionCount(),
          clawbacksOutstandingMinor: money().openapi({ description: 'payable clawbacks (≤ 0)' }),
          clawbackCount: commissionCount(),
          netPayableMinor: money().openapi({ description: 'payable + clawbacks outstanding' }),
          settlingMinor: money().openapi({ description: 'claimed by a running settlement' }),
          settlingCount: commissionCount(),
          minimumMinor: money()
            .nullable()
            .openapi({
              description:
                'smallest net a settlement pays out in this currency; null: the currency has no payout minimum ' +
                'configured (PAYOUT_MINIMUMS), so no run pays it',
            }),
        }),
      )
      .max(CURRENCIES_MAX)
      .openapi({ description: 'one entry per currency the partner has commissions in' }),
  })
  .openapi('PartnerBalance');
