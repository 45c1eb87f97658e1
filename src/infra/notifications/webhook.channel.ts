import http from 'node:http';
import https from 'node:https';
import {
  DeliveryAttemptError,
  PermanentDeliveryError,
  type DeliveryReceipt,
  type NotificationChannel,
  type OutboundNotification,
} from '../../ports/notification-channel.port';
import { formatAmount } from '../../domain/notification-content';
import {
  isPartnerActionFacts,
  isPayoutAccountFacts,
  NotificationErrorCodes,
} from '../../domain/notification.aggregate';
import { ATTEMPT_EXCERPT_MAX_LENGTH } from '../../domain/notification-attempt';
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signStandardWebhook,
  signWebhook,
  STANDARD_ID_HEADER,
  STANDARD_SIGNATURE_HEADER,
  STANDARD_TIMESTAMP_HEADER,
} from './webhook-signature';
import { assertWebhookUrl, guardedLookup, WebhookTargetRefusedError } from './webhook-target';

export interface WebhookChannelOptions {
  timeoutMs: number;
  allowPrivateTargets: boolean;
  /** Plain `http://` targets allowed; otherwise `https://` only. */
  allowHttp: boolean;
  /**
   * Also send the deprecated `X-Alpes-Event-Id` / `X-Alpes-Signature` headers (WEBHOOK_LEGACY_SIGNATURE,
   * on during the deprecation period); the Standard Webhooks headers always go.
   */
  legacySignature?: boolean;
  clock?: () => Date;
}

/** What one POST got back: the status and the start of the body (never more is read). */
interface ReceiverAnswer {
  status: number;
  excerpt: string;
}

/**
 * The JSON body partners receive. Its `id` is also the `X-Alpes-Event-Id` header. `type` says
 * what `data` holds: a payment's facts (`PAYMENT_*`, unchanged since the first version), or a
 * payout-account change's (`PAYOUT_ACCOUNT_CHANGE_*`: masked accounts, when it takes effect), or
 * a call to act (`TAX_FORM_EXPIRING`, `PAYOUT_SKIPPED`: the reason, what to do, expiry or run).
 */
export function webhookPayload(message: OutboundNotification): Record<string, unknown> {
  const f = message.facts;
  const data = isPayoutAccountFacts(f)
    ? {
        eventType: f.eventType,
        fromAccount: f.fromAccount,
        toAccount: f.toAccount,
        effectiveAt: f.effectiveAt,
        earliestEffectiveAt: f.earliestEffectiveAt,
        reason: f.reason,
        occurredAt: f.occurredAt,
      }
    : isPartnerActionFacts(f)
      ? { ...f, currencies: [...f.currencies] }
      : {
          paymentId: f.paymentId,
          eventType: f.eventType,
          amountMinor: f.amountMinor,
          currency: f.currency,
          amount: formatAmount(f.amountMinor, f.currency),
          reason: f.reason,
          occurredAt: f.occurredAt,
        };
  return {
    id: message.notificationId,
    type: message.type,
    createdAt: message.createdAt,
    partnerId: message.partnerId,
    sourceEventId: message.sourceEventId,
    subject: message.subject,
    data,
  };
}

/** Statuses worth retrying: the receiver is busy, restarting, or asked us to slow down. */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 425, 429]);

/**
 * POSTs signed JSON to the partner's webhook URL. No redirects are followed (a redirect could
 * point anywhere, including inside our network); the connect goes through a lookup that refuses
 * private addresses unless allowed; each attempt has a hard timeout.
 */
export class WebhookChannel implements NotificationChannel {
  readonly kind = 'WEBHOOK' as const;
  private readonly now: () => Date;

  constructor(private readonly opts: WebhookChannelOptions) {
    this.now = opts.clock ?? (() => new Date());
  }

  async send(message: OutboundNotification): Promise<DeliveryReceipt> {
    const { target } = message;
    if (target.channel !== 'WEBHOOK') {
      throw new PermanentDeliveryError(NotificationErrorCodes.DELIVERY_REFUSED, 'not a webhook target');
    }
    let url: URL;
    try {
      url = assertWebhookUrl(target.url, {
        allowPrivate: this.opts.allowPrivateTargets,
        allowHttp: this.opts.allowHttp,
      });
    } catch (e) {
      throw refused(e);
    }
    const body = JSON.stringify(webhookPayload(message));
    const timestamp = Math.floor(this.now().getTime() / 1000);
    const previous = target.previousSecrets ?? [];
    // The notification's id is the event id: the same on every retry and on a redelivery, so the
    // partner's dedupe on webhook-id recognises a repeat.
    const webhookId = message.notificationId;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'AlpesPartners-Webhooks/1.0',
      [STANDARD_ID_HEADER]: webhookId,
      [STANDARD_TIMESTAMP_HEADER]: String(timestamp),
      // During a rotation's overlap: one signature per valid secret, the current one first.
      [STANDARD_SIGNATURE_HEADER]: signStandardWebhook(webhookId, timestamp, body, target.secret, previous),
    };
    if (this.opts.legacySignature ?? true) {
      headers[EVENT_ID_HEADER] = webhookId;
      headers[SIGNATURE_HEADER] = signWebhook(target.secret, timestamp, body, previous);
    }
    let answer: ReceiverAnswer;
    try {
      answer = await this.post(url, headers, body);
    } catch (e) {
      if (
        e instanceof WebhookTargetRefusedError ||
        (e as { name?: string }).name === 'WebhookTargetRefusedError'
      ) {
        throw refused(e);
      }
      throw partnerSafe(e);
    }
    const { status, excerpt } = answer;
    const details = { httpStatus: status, responseExcerpt: excerpt };
    if (status >= 200 && status < 300) return { reference: `HTTP ${status}`, ...details };
    const text = `webhook receiver answered HTTP ${status}`;
    if (status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status)) throw new DeliveryAttemptError(text, details);
    // Any other answer (a redirect, 400, 401 for a bad signature, 404, 410) repeats on every retry.
    throw new PermanentDeliveryError(NotificationErrorCodes.DELIVERY_REFUSED, text, details);
  }

  private post(url: URL, headers: Record<string, string>, body: string): Promise<ReceiverAnswer> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<ReceiverAnswer>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: 'POST',
          headers,
          lookup: guardedLookup(this.opts.allowPrivateTargets),
          timeout: this.opts.timeoutMs,
          // A fresh connection per delivery: a pooled socket would skip the address check.
          agent: false,
        },
        (res) => {
          // Only the start of the answer is kept (the delivery log's excerpt); the rest is drained
          // unread, so a receiver answering megabytes costs no memory.
          const kept: Buffer[] = [];
          let keptBytes = 0;
          const maxBytes = ATTEMPT_EXCERPT_MAX_LENGTH * 4;
          res.on('data', (chunk: Buffer) => {
            if (keptBytes >= maxBytes) return;
            const part = chunk.subarray(0, maxBytes - keptBytes);
            kept.push(part);
            keptBytes += part.length;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              excerpt: Buffer.concat(kept).toString('utf8').slice(0, ATTEMPT_EXCERPT_MAX_LENGTH),
            }),
          );
          res.on('error', reject);
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`webhook receiver did not answer within ${this.opts.timeoutMs}ms`)),
        this.opts.timeoutMs,
      );
      req.on('timeout', () => req.destroy(new Error(`webhook connection idle for ${this.opts.timeoutMs}ms`)));
      req.on('error', reject);
      req.on('close', () => clearTimeout(deadline));
      req.end(body);
    });
  }
}

const refused = (e: unknown): PermanentDeliveryError =>
  new PermanentDeliveryError(NotificationErrorCodes.DELIVERY_REFUSED, (e as Error).message);

const SYSTEM_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'webhook receiver refused the connection',
  ECONNRESET: 'webhook receiver reset the connection',
  EHOSTUNREACH: 'webhook host is unreachable',
  ENETUNREACH: 'webhook host is unreachable',
  ETIMEDOUT: 'webhook connection timed out',
  EPIPE: 'webhook receiver closed the connection',
  ENOTFOUND: 'webhook host name does not resolve',
  EAI_AGAIN: 'webhook host name could not be resolved (temporary DNS failure)',
};

/**
 * A transport failure, told without the address it happened at: Node's own messages
 * (`connect ECONNREFUSED 10.0.0.7:443`) name the resolved address, and this text becomes the
 * notification's `last_error`/`reason`, which the partner reads.
 */
function partnerSafe(e: unknown): Error {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E[A-Z_]+$/.test(code)) return e as Error;
  return new Error(`${SYSTEM_ERRORS[code] ?? 'webhook connection failed'} (${code})`);
}
