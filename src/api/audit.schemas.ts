import { z } from './zod-openapi';
import { dateTime } from './common.schemas';
import { pageQuery } from './pagination';

export const auditListQuery = z.object({
  /** The acting key's name. */
  actor: z.string().min(1).max(200).optional(),
  /** e.g. `payment.approve`. */
  action: z
    .string()
    .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, { message: 'an action name such as payment.approve' })
    .max(100)
    .optional(),
  targetType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .max(50)
    .optional(),
  targetId: z.string().min(1).max(200).optional(),
  since: dateTime().optional(),
  until: dateTime().optional(),
  ...pageQuery,
});
