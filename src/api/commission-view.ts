import type { Commission } from '../domain/commission.aggregate';
import type { CommissionView } from '../ports/commission.port';
import type { AccrualItem } from '../application/commission/accrue-commissions';
import type { z } from './zod-openapi';

/** Code of an item the schema refused (the field is named in the message). */
export const INVALID_INPUT = 'COMMISSION.INVALID_INPUT';

/** The first schema issue of an item, as a refusal naming the field. */
export function schemaRefusal(error: z.ZodError, raw: unknown): AccrualItem {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || '(item)';
  const ref = (raw as { externalRef?: unknown } | null)?.externalRef;
  return {
    invalid: {
      ...(typeof ref === 'string' ? { externalRef: ref } : {}),
      code: INVALID_INPUT,
      message: `${field}: ${issue?.message ?? 'invalid'}`,
    },
  };
}

export const presentCommission = (c: Commission, now: Date): CommissionView => ({
  ...c.toSnapshot(),
  status: c.effectiveStatus(now),
});
