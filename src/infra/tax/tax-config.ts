import { z } from 'zod';
import type { TaxFormRequirement } from '../../domain/payability';
import { isIsoCountry } from '../../domain/payout-method.value-object';
import { TAX_FORM_EXPIRY_NOTICE_DAYS } from '../../domain/partner-action-notices';
import { scheduleSetting, type ScheduleSetting } from '../../shared/env-parsers';

/**
 * Tax forms: a zod fragment of environment variables spread into config.ts's schema, and the
 * typed result (`AppConfig.tax`).
 */
export const taxEnvSchema = z.object({
  /** `true` (every partner), a comma-separated list of ISO country codes, or off (default). */
  TAX_FORM_REQUIRED: z
    .string()
    .optional()
    .transform((v, ctx): TaxFormRequirement => {
      const text = (v ?? '').trim();
      if (text === '' || /^(false|off|0|no)$/i.test(text)) return { kind: 'off' };
      if (/^(true|on|1|yes|all)$/i.test(text)) return { kind: 'all' };
      const countries = text.split(',').map((c) => c.trim().toUpperCase());
      const bad = countries.filter((c) => !isIsoCountry(c));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `use true, off, or ISO 3166-1 alpha-2 codes separated by commas (not: ${bad.join(', ')})`,
        });
        return z.NEVER;
      }
      return { kind: 'countries', countries: [...new Set(countries)] };
    }),
  /** How often expiring tax forms are looked for (daily: a notice 30 days ahead need not be to the hour). */
  TAX_FORM_EXPIRY_SCHEDULE: scheduleSetting('1d'),
  TAX_FORM_EXPIRY_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-tax-form-expiry'),
  /** A form expiring within this many days gets its partner a notice (once per filed form). */
  TAX_FORM_EXPIRY_NOTICE_DAYS: z.coerce.number().int().min(1).max(365).default(TAX_FORM_EXPIRY_NOTICE_DAYS),
});

export interface TaxConfig {
  /** TAX_FORM_REQUIRED: who needs an approved, unexpired tax form to be paid. */
  formRequired: TaxFormRequirement;
  expiry: { schedule: ScheduleSetting; scheduleId: string; noticeDays: number };
}

export const toTaxConfig = (e: z.output<typeof taxEnvSchema>): TaxConfig => ({
  formRequired: e.TAX_FORM_REQUIRED,
  expiry: {
    schedule: e.TAX_FORM_EXPIRY_SCHEDULE,
    scheduleId: e.TAX_FORM_EXPIRY_SCHEDULE_ID,
    noticeDays: e.TAX_FORM_EXPIRY_NOTICE_DAYS,
  },
});
