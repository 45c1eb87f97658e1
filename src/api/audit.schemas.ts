import { z } from './zod-openapi';
import { ROLES } from '../ports/principal';
import { ACTOR_MAX_LENGTH, dateTime, ID_COLUMN_MAX_LENGTH, int32, pageOf } from './common.schemas';
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

/** An entry as stored: the audit log cuts every text to its column (KnexAuditLog.append). */
export const auditEntryResponse = z
  .object({
    id: z
      .string()
      .regex(/^[1-9]\d{0,18}$/)
      .openapi({ maxLength: 19, description: 'position in the log' }),
    occurredAt: dateTime(),
    actor: z.object({
      name: z.string().max(ACTOR_MAX_LENGTH),
      role: z.enum(ROLES),
      partnerId: z.string().max(ID_COLUMN_MAX_LENGTH).nullable(),
    }),
    action: z.string().max(100),
    targetType: z.string().max(50),
    targetId: z.string().max(200).nullable(),
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
    path: z.string().max(500),
    clientAddress: z.string().max(100).nullable(),
    requestId: z.string().max(100).nullable(),
    outcomeStatus: int32(100, 599),
    before: z.unknown().openapi({ description: 'the target before the change (masked), where recorded' }),
    after: z.unknown().openapi({ description: 'the target after the change (masked), where recorded' }),
  })
  .openapi('AuditEntry');

export const auditPage = pageOf(auditEntryResponse, 'AuditPage');
