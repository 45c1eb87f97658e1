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
