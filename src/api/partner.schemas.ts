import { z } from 'zod';
import { pageQuery } from './pagination';

export const partnerIdParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

const webhookUrl = z.string().max(2000).nullable().optional();

export const createPartnerBody = z.object({
  name: z.string().min(1).max(200),
  email: z.string().min(3).max(320),
  payoutAccount: z.string().min(1).max(64),
  webhookUrl,
});

export const updatePartnerBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    email: z.string().min(3).max(320).optional(),
    payoutAccount: z.string().min(1).max(64).optional(),
    webhookUrl,
    status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field to change' });

export const listPartnersQuery = z.object(pageQuery);
