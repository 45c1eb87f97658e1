import { z } from './zod-openapi';
import { PAYOUT_HOLD_REASON_MAX_LENGTH } from '../domain/partner.aggregate';
import { pageQuery } from './pagination';

export const partnerIdParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

const webhookUrl = z.string().max(2000).nullable().optional();

export const createPartnerBody = z
  .object({
    name: z.string().min(1).max(200),
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
    name: z.string().min(1).max(200).optional(),
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
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    payoutAccount: z.string().openapi({ example: '****3000', description: 'masked' }),
    webhookUrl: z.string().nullable(),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    payoutHold: z
      .object({ reason: z.string(), by: z.string(), at: z.string() })
      .nullable()
      .openapi({ description: 'set while payouts are stopped (settlement runs skip the partner)' }),
    pendingAccountChange: z
      .object({
        account: z.string().openapi({ description: 'masked' }),
        requestedBy: z.string(),
        requestedAt: z.string(),
        approvedBy: z.string().nullable(),
        approvedAt: z.string().nullable(),
        effectiveAt: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: 'a requested payout account; it takes effect at effectiveAt once approved' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Partner');

export const partnerPage = z
  .object({ items: z.array(partnerResponse), nextCursor: z.string().nullable() })
  .openapi('PartnerPage');

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
      .max(2000)
      .nullable()
      .openapi({ description: 'https URL the partner’s webhooks go to; null stops webhooks' }),
  })
  .openapi('WebhookEndpoint');
