import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Alpes-Signature` contract: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets receivers refuse replays of old requests.
 */
export const SIGNATURE_HEADER = 'X-Alpes-Signature';
export const EVENT_ID_HEADER = 'X-Alpes-Event-Id';

const hmac = (secret: string, timestamp: number, rawBody: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, rawBody)}`;
}

/** What a receiver does: recompute over the raw bytes, compare in constant time, bound the age. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;
  return timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(hmac(secret, t, rawBody), 'hex'));
}

/** A fresh secret for `POST /partners/:id/webhook-secret`: 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${globalThis.crypto.getRandomValues(Buffer.alloc(32)).toString('base64url')}`;
}
