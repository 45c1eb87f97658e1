import { z } from 'zod';

/** Small zod building blocks for environment variables, shared by every config fragment. */

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `5s`, `10m`, `72h`, `2d` (or a bare number of milliseconds) into milliseconds. */
export function parseDurationMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`invalid duration "${value}" (use e.g. 500ms, 30s, 10m, 72h, 2d)`);
  return Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 'ms']!;
}

export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return parseDurationMs(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** An on/off setting: `true`/`1` is on; unset, empty, `false`/`0` is off. */
export const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

/** A Schedule's setting: an interval (`5m`, at least 1s), a 5-field cron in UTC, or `off`. */
export type ScheduleSetting =
  { kind: 'off' } | { kind: 'interval'; everyMs: number } | { kind: 'cron'; expression: string };

export const scheduleSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx): ScheduleSetting => {
      const text = v.trim();
      if (text === '' || text.toLowerCase() === 'off') return { kind: 'off' };
      if (/^\d+(ms|s|m|h|d)?$/.test(text)) {
        const everyMs = parseDurationMs(text);
        if (everyMs < 1_000) {
          ctx.addIssue({ code: 'custom', message: 'an interval must be at least 1s' });
          return z.NEVER;
        }
        return { kind: 'interval', everyMs };
      }
      if (!/^(@\w+|(\S+\s+){4}\S+)$/.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: 'use an interval such as "5m", a 5-field cron expression such as "*/5 * * * *", or "off"',
        });
        return z.NEVER;
      }
      return { kind: 'cron', expression: text };
    });
