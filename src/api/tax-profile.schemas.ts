import { z } from './zod-openapi';
import { PAYABILITY_REASONS } from '../domain/payability';
import {
  TAX_ADDRESS_MAX_LENGTH,
  TAX_FORM_TYPES,
  TAX_LEGAL_NAME_MAX_LENGTH,
  TAX_PROFILE_STATUSES,
  TAX_REJECTION_REASON_MAX_LENGTH,
} from '../domain/tax-profile.aggregate';
import { PARTNER_NAME_MAX_LENGTH } from '../domain/partner.aggregate';
import { TAX_YEAR_MAX, TAX_YEAR_MIN } from '../domain/tax-year-end';
import {
  actor,
  currencyCode,
  dateTime,
  day,
  ID_COLUMN_MAX_LENGTH,
  int32,
  minorString,
  uuid,
} from './common.schemas';

/** The form as filed; the aggregate checks the rest (form for the country, tax id shape, date). */
export const taxProfileBody = z
  .strictObject({
    formType: z
      .string()
      .max(16)
      .openapi({ example: 'W-8BEN', description: TAX_FORM_TYPES.join(', ') }),
    taxId: z.string().max(40).openapi({ description: 'stored encrypted; only its last 4 are ever shown' }),
    legalName: z.string().max(TAX_LEGAL_NAME_MAX_LENGTH),
    country: z.string().max(2).openapi({ description: 'ISO 3166-1 alpha-2', example: 'DE' }),
    address: z.string().max(TAX_ADDRESS_MAX_LENGTH),
    signedAt: day(),
  })
  .openapi('TaxProfileSubmission');

export const rejectTaxProfileBody = z
  .strictObject({ reason: z.string().trim().min(1).max(TAX_REJECTION_REASON_MAX_LENGTH) })
  .openapi('TaxProfileRejection');

export const taxProfileResponse = z
  .object({
    partnerId: uuid(),
    formType: z.enum(TAX_FORM_TYPES as [string, ...string[]]),
    taxId: z.string().max(8).openapi({ example: '****7890', description: 'masked: the last 4 only' }),
    legalName: z.string().max(TAX_LEGAL_NAME_MAX_LENGTH),
    country: z.string().length(2),
    address: z.string().max(TAX_ADDRESS_MAX_LENGTH),
    signedAt: day(),
    expiresOn: day().nullable().openapi({ description: 'W-8BEN/W-8BEN-E: end of the third calendar year' }),
    status: z.enum(TAX_PROFILE_STATUSES),
    rejectionReason: z.string().max(TAX_REJECTION_REASON_MAX_LENGTH).nullable(),
    submittedBy: actor(),
    submittedAt: dateTime(),
    reviewedBy: actor().nullable(),
    reviewedAt: dateTime().nullable(),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    version: int32(1),
  })
  .openapi('TaxProfile');

export const payabilityResponse = z
  .object({
    partnerId: uuid(),
    asOf: dateTime(),
    payable: z.boolean().openapi({ description: 'false when any reason blocks payouts' }),
    reasons: z
      .array(
        z.object({
          code: z.enum(PAYABILITY_REASONS),
          whatToDo: z.string().max(300),
          blocking: z.boolean(),
          currency: currencyCode().optional(),
        }),
      )
      .max(PAYABILITY_REASONS.length + 200),
    currencies: z
      .array(
        z.object({
          currency: currencyCode(),
          expectedMinor: minorString(),
          minimumMinor: int32().nullable(),
          payable: z.boolean(),
          nextPayoutAt: dateTime().nullable(),
        }),
      )
      .max(200),
  })
  .openapi('Payability');

export const taxYearEndQuery = z.object({
  year: z.coerce
    .number()
    .int()
    .min(TAX_YEAR_MIN)
    .max(TAX_YEAR_MAX)
    .openapi({ format: 'int32', example: 2026, description: 'calendar year, UTC' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: 'csv: one line per row, text/csv' }),
});

export const taxYearEndResponse = z
  .object({
    year: int32(TAX_YEAR_MIN, TAX_YEAR_MAX),
    rows: z
      .array(
        z.object({
          partnerId: z.string().max(ID_COLUMN_MAX_LENGTH),
          partnerName: z.string().max(PARTNER_NAME_MAX_LENGTH).nullable(),
          formType: z.enum(TAX_FORM_TYPES as [string, ...string[]]).nullable(),
          formStatus: z.enum(TAX_PROFILE_STATUSES).nullable(),
          taxCountry: z.string().length(2).nullable(),
          legalName: z.string().max(TAX_LEGAL_NAME_MAX_LENGTH).nullable(),
          currency: currencyCode(),
          paidMinor: minorString().openapi({ description: 'payouts COMPLETED in the year' }),
          refundedMinor: minorString().openapi({ description: 'payouts REFUNDED in the year' }),
          netMinor: minorString().openapi({ description: 'paid − refunded; may be negative' }),
          paymentCount: int32(),
          refundCount: int32(),
        }),
      )
      .max(1_000_000),
  })
  .openapi('TaxYearEnd');
