import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deprecated (kept for one deprecation period, see README: Standard Webhooks below replaces it).
 * The `X-Alpes-Signature` contract: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets receivers refuse replays of old requests.
 *
 * While a rotated secret is inside its overlap the header carries one `v1=` per valid secret,
 * the current secret's first: `t=…,v1=<current>,v1=<previous>` (as Stripe does). A receiver
 * accepts the request when any `v1` matches the secret it holds; one that only reads the first
 * `v1` works as soon as it holds the current secret.
 */
export const SIGNATURE_HEADER = 'X-Alpes-Signature';
export const EVENT_ID_HEADER = 'X-Alpes-Event-Id';

/** More would only be a sign of a forged or broken header. */
const MAX_SIGNATURES = 8;

const hmac = (secret: string, timestamp: number, rawBody: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');

/** The header value: the first secret's signature first, then one per further (previous) secret. */
export function signWebhook(
  secret: string,
  timestamp: number,
  rawBody: string,
  previousSecrets: readonly string[] = [],
): string {
  const secrets = [...new Set([secret, ...previousSecrets])].slice(0, MAX_SIGNATURES);
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmac(s, timestamp, rawBody)}`)].join(',');
}

/** What a receiver does: recompute over the raw bytes, compare each `v1` in constant time, bound the age. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
  });
  const ts = parts.filter(([k]) => k === 't').map(([, v]) => v);
  const signatures = parts.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => v);
  if (ts.length !== 1 || signatures.length === 0 || signatures.length > MAX_SIGNATURES) return false;
  const t = Number(ts[0]);
  if (!/^\d+$/.test(ts[0]!) || !Number.isSafeInteger(t)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, t, rawBody), 'hex');
  // Every entry is compared, so the time taken does not say which one matched.
  let ok = false;
  for (const v1 of signatures) ok = timingSafeEqual(Buffer.from(v1, 'hex'), expected) || ok;
  return ok;
}

/**
 * The Standard Webhooks contract (https://www.standardwebhooks.com), which partners can verify
 * with the `standardwebhooks` libraries in any language:
 *   webhook-id: the event id (the notification's id: the same on every retry and redelivery)
 *   webhook-timestamp: unix seconds
 *   webhook-signature: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>`, one per valid
 *     secret during a rotation's overlap, space-separated, the current secret's first.
 * The key is the secret's bytes: the base64 after `whsec_`.
 */
export const STANDARD_ID_HEADER = 'webhook-id';
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';

const SECRET_PREFIX = 'whsec_';

/**
 * The HMAC key of a `whsec_<base64>` secret. Node's decoder also reads the base64url alphabet, so
 * secrets issued before Standard Webhooks (`whsec_<base64url>`) keep one key; a partner holding
 * one converts it to standard base64 (`-`→`+`, `_`→`/`, pad with `=`) or rotates.
 */
export function standardWebhookKey(secret: string): Buffer {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  // Not base64 at all (never issued by us): its text is the key rather than an empty one.
  return key.length > 0 ? key : Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` value: the first secret's signature first, then one per previous secret. */
export function signStandardWebhook(
  webhookId: string,
  timestamp: number,
  rawBody: string,
  secret: string,
  previousSecrets: readonly string[] = [],
): string {
  const secrets = [...new Set([secret, ...previousSecrets])].slice(0, MAX_SIGNATURES);
  return secrets
    .map(
      (s) =>
        `v1,${createHmac('sha256', standardWebhookKey(s)).update(`${webhookId}.${timestamp}.${rawBody}`, 'utf8').digest('base64')}`,
    )
    .join(' ');
}

/**
 * A fresh secret for `POST /partners/:id/webhook-secret`: 32 random bytes as `whsec_<base64>`, the
 * form the Standard Webhooks libraries take as it is.
 */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${globalThis.crypto.getRandomValues(Buffer.alloc(32)).toString('base64')}`;
}
