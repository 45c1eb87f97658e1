import { z } from './zod-openapi';
import { PARTNER_NAME_MAX_LENGTH, PAYOUT_HOLD_REASON_MAX_LENGTH } from '../domain/partner.aggregate';
import { actor, dateTime, int32, pageOf, uuid } from './common.schemas';
import { pageQuery } from './pagination';

export const partnerIdParam = z.object({ id: uuid('must be a UUID') });

/** Webhook endpoints are absolute http(s) URLs (the domain checks the rest). */
const WEBHOOK_URL_MAX_LENGTH = 2000;
const webhookUrl = z.string().max(WEBHOOK_URL_MAX_LENGTH).nullable().optional();
/** `****` and the last four characters: what leaves the API of a payout account. */
const maskedAccount = () => z.string().max(8).openapi({ example: '****3000', description: 'masked' });

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

export const listPartnersQuery = z.object(pageQuery);

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
    pendingAccountChange: z
      .object({
        account: maskedAccount(),
        requestedBy: actor(),
        requestedAt: dateTime(),
        approvedBy: actor().nullable(),
        approvedAt: dateTime().nullable(),
        effectiveAt: dateTime().nullable(),
      })
      .nullable()
      .openapi({ description: 'a requested payout account; it takes effect at effectiveAt once approved' }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    version: int32(),
  })
  .openapi('Partner');

export const partnerPage = pageOf(partnerResponse, 'PartnerPage');

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
