import { z } from 'zod';
import { optionalString } from '../../../shared/env-parsers';

/**
 * Stripe Connect: a zod fragment of environment variables spread into config.ts's schema, and the
 * typed result (`AppConfig.stripe`).
 */

/** stripe-mock accepts any `sk_test_<something>` and nothing else; real Stripe refuses this one. */
export const STRIPE_MOCK_API_KEY = 'sk_test_stripemock';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const stripeEnvSchema = z.object({
  STRIPE_API_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret or restricted key (sk_… / rk_…)')
    .default(STRIPE_MOCK_API_KEY),
  STRIPE_API_BASE: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://api.stripe.com' })
      .optional(),
  ),
  STRIPE_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/, "must be the endpoint's signing secret (whsec_…)")
      .optional(),
  ),
});

export interface StripeConfig {
  apiKey: string;
  /**
   * Undefined → no real Stripe endpoint: stripe-mock (scripts/ensure-stripe-mock.sh) is the one to
   * run on loopback. https://api.stripe.com for Stripe itself.
   */
  apiBase: string | undefined;
  /** Undefined → Stripe webhooks are not accepted. */
  webhookSecret: string | undefined;
  timeoutMs: number;
}

/** A key that cannot work where the requests go: each line names the variable, never the value. */
export function stripeConfigProblems(e: z.infer<typeof stripeEnvSchema>): string[] {
  const host = e.STRIPE_API_BASE ? new URL(e.STRIPE_API_BASE).hostname : undefined;
  if (host !== undefined && !LOOPBACK.has(host) && e.STRIPE_API_KEY === STRIPE_MOCK_API_KEY) {
    return [
      'STRIPE_API_KEY: required with a STRIPE_API_BASE that is not on loopback (the default is stripe-mock’s)',
    ];
  }
  return [];
}

export function toStripeConfig(e: z.infer<typeof stripeEnvSchema>, timeoutMs: number): StripeConfig {
  return {
    apiKey: e.STRIPE_API_KEY,
    apiBase: e.STRIPE_API_BASE,
    webhookSecret: e.STRIPE_WEBHOOK_SECRET,
    timeoutMs,
  };
}
