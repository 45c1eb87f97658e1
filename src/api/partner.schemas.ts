import { z } from './zod-openapi';
import { PARTNER_NAME_MAX_LENGTH, PAYOUT_HOLD_REASON_MAX_LENGTH } from '../domain/partner.aggregate';
import { ACCOUNT_HOLDER_MAX_LENGTH } from '../domain/payout-method.value-object';
import { actor, dateTime, int32, pageOf, uuid } from './common.schemas';
import { pageQuery } from './pagination';
import { payabilityResponse } from './tax-profile.schemas';

export const partnerIdParam = z.object({ id: uuid('must be a UUID') });

/** Webhook endpoints are absolute http(s) URLs (the domain checks the rest). */
const WEBHOOK_URL_MAX_LENGTH = 2000;
const webhookUrl = z.string().max(WEBHOOK_URL_MAX_LENGTH).nullable().optional();
/** `****` and the last four characters: what leaves the API of a payout account. */
const maskedAccount = () => z.string().max(8).openapi({ example: '****3000', description: 'masked' });

/** A method's currency: an ISO 4217 code, or `*` for every currency without a method of its own. */
const methodCurrency = () =>
  z
    .string()
    .regex(/^([A-Z]{3}|\*)$/, { message: 'must be an ISO-4217 code such as EUR, or * for all currencies' })
    .openapi({ minLength: 1, maxLength: 3, example: 'EUR' });

const holder = z.string().max(ACCOUNT_HOLDER_MAX_LENGTH).nullable();

/** A payout method as it leaves the API: account numbers and ids masked (BIC and bank code are not secret). */
export const maskedPayoutMethod = z
  .union([
    z.object({
      type: z.literal('BANK_TRANSFER'),
      scheme: z.literal('IBAN'),
      iban: z.string().max(9).openapi({ example: 'DE89…3000', description: 'country, check digits, last 4' }),
      bic: z.string().max(11).openapi({ example: 'COBADEFFXXX' }),
      accountHolder: holder,
    }),
    z.object({
      type: z.literal('BANK_TRANSFER'),
      scheme: z.literal('LOCAL'),
      accountNumber: maskedAccount(),
      bankCode: z.string().max(15),
      country: z.string().length(2).openapi({ description: 'ISO 3166-1 alpha-2' }),
      accountHolder: holder,
    }),
    z.object({
      type: z.literal('BANK_TRANSFER'),
      scheme: z.literal('LEGACY').openapi({ description: 'the partner’s single payout account' }),
      account: maskedAccount(),
    }),
    z.object({
      type: z.literal('STRIPE_CONNECT'),
      accountId: z.string().max(10).openapi({ example: 'acct_…CVdK' }),
    }),
  ])
  .openapi('MaskedPayoutMethod');

/** A requested payout account or method, masked; it takes effect at effectiveAt once approved. */
const pendingAccountChange = z.object({
  account: maskedAccount(),
  currency: methodCurrency()
    .nullable()
    .optional()
    .openapi({ description: 'a method change: its currency (`*`: all); null for an account change' }),
  method: maskedPayoutMethod.nullable().optional(),
  requestedBy: actor(),
  requestedAt: dateTime(),
  approvedBy: actor().nullable(),
  approvedAt: dateTime().nullable(),
  effectiveAt: dateTime().nullable(),
});

export const createPartnerBody = z
  .object({
    name: z.string().min(1).max(PARTNER_NAME_MAX_LENGTH),
    email: z.string().min(3).max(320),
    payoutAccount: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: 'IBAN (checksum-validated) or 6–20 digit account number; write-only' }),
    webhookUrl,
  })
  .openapi('CreatePartner');

export const updatePartnerBody = z
  .object({
    name: z.string().min(1).max(PARTNER_NAME_MAX_LENGTH).optional(),
    email: z.string().min(3).max(320).optional(),
    payoutAccount: z.string().min(1).max(64).optional(),
    webhookUrl,
    status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field to change' })
  .openapi('UpdatePartner');

export const listPartnersQuery = z.object({
  ...pageQuery,
  include: z.enum(['payability']).optional().openapi({
    description:
      'payability: each partner with its payability (as GET /partners/:id/payability), computed for the whole page at once',
  }),
});

export const partnerResponse = z
  .object({
    id: uuid(),
    name: z.string().max(PARTNER_NAME_MAX_LENGTH),
    // The domain keeps addresses of at most 254 characters (RFC 5321's path limit).
    email: z.string().max(254),
    payoutAccount: maskedAccount(),
    webhookUrl: z.string().max(WEBHOOK_URL_MAX_LENGTH).nullable().openapi({ format: 'uri' }),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    payoutHold: z
      .object({ reason: z.string().max(PAYOUT_HOLD_REASON_MAX_LENGTH), by: actor(), at: dateTime() })
      .nullable()
      .openapi({ description: 'set while payouts are stopped (settlement runs skip the partner)' }),
    pendingAccountChange: pendingAccountChange
      .nullable()
      .openapi({ description: 'a requested payout account; it takes effect at effectiveAt once approved' }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    version: int32(),
  })
  .openapi('Partner');

/** A row of the list: with `include=payability`, the partner's payability too. */
export const partnerListItem = partnerResponse
  .extend({ payability: payabilityResponse.optional() })
  .openapi('PartnerListItem');

export const partnerPage = pageOf(partnerListItem, 'PartnerPage');

export const payoutHoldBody = z
  .strictObject({ reason: z.string().trim().min(1).max(PAYOUT_HOLD_REASON_MAX_LENGTH) })
  .openapi('PlacePayoutHold');

export const accountChangeBody = z
  .strictObject({
    payoutAccount: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: 'IBAN (checksum-validated) or 6–20 digit account' }),
  })
  .openapi('RequestPayoutAccountChange');

export const webhookEndpointBody = z
  .strictObject({
    webhookUrl: z
      .string()
      .max(WEBHOOK_URL_MAX_LENGTH)
      .nullable()
      .openapi({ description: 'https URL the partner’s webhooks go to; null stops webhooks' }),
  })
  .openapi('WebhookEndpoint');

/** A new payout method; the domain checks the values (IBAN and BIC with ibantools) and answers 422 with a code. */
export const payoutMethodBody = z
  .strictObject({
    currency: methodCurrency(),
    method: z.discriminatedUnion('type', [
      z
        .strictObject({
          type: z.literal('BANK_TRANSFER'),
          iban: z.string().min(1).max(64).optional().openapi({ description: 'with bic; write-only' }),
          bic: z.string().min(1).max(16).optional(),
          accountNumber: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .openapi({ description: 'instead of an IBAN, with bankCode and country; write-only' }),
          bankCode: z.string().min(1).max(32).optional(),
          country: z.string().min(2).max(2).optional().openapi({ description: 'ISO 3166-1 alpha-2' }),
          accountHolder: z.string().min(1).max(ACCOUNT_HOLDER_MAX_LENGTH).optional(),
        })
        .openapi('BankTransferMethod'),
      z
        .strictObject({
          type: z.literal('STRIPE_CONNECT'),
          accountId: z.string().min(6).max(69).openapi({ example: 'acct_1Nv0FGQ9RKHgCVdK' }),
        })
        .openapi('StripeConnectMethod'),
    ]),
  })
  .openapi('RequestPayoutMethodChange');

export const payoutMethodsResponse = z
  .object({
    partnerId: uuid(),
    methods: z
      .array(z.object({ currency: methodCurrency(), method: maskedPayoutMethod }))
      .max(200)
      .openapi({ description: 'by currency; `*` is the default for currencies without their own' }),
    legacyAccount: maskedAccount().openapi({
      description: 'the single payout account: paid by bank transfer where no method applies',
    }),
    pendingChange: pendingAccountChange.nullable(),
  })
  .openapi('PayoutMethods');
