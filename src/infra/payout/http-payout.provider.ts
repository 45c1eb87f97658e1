import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { DomainError } from '../../domain/domain-error';
import {
  PAYOUT_DECLINED,
  type PayoutOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderReceipt,
  type RefundRequest,
} from '../../ports/payout-provider.port';

export const REFUND_NOT_ALLOWED = 'REFUND_NOT_ALLOWED';
export const PAYOUT_PROVIDER_REJECTED = 'PAYOUT_PROVIDER_REJECTED';
/** The key was closed after a lookup found nothing under it: this payout was not and will not be made. */
export const PAYOUT_VOIDED = 'PAYOUT_VOIDED';

export interface HttpPayoutProviderOptions {
  baseUrl: string;
  /** Whole-call budget (connect, send, read the body) of one attempt. */
  timeoutMs: number;
}

interface ProviderAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/**
 * The payout port over the sandbox bank's HTTP API (any bank with the same contract would do).
 * Business refusals become DomainErrors, which the workflow must not retry; everything else
 * (5xx, timeouts, refused connections, garbled answers) is a plain Error, retried by the caller
 * with the same idempotency key so money still moves at most once.
 */
export class HttpPayoutProvider implements PayoutProvider {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: HttpPayoutProviderOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
  }

  async payout(request: PayoutRequest): Promise<ProviderReceipt> {
    const answer = await this.post('/payouts', request.idempotencyKey, {
      paymentId: request.paymentId,
      partnerId: request.partnerId,
      amountMinor: request.amountMinor,
      currency: request.currency,
      account: request.payoutAccount,
    });
    // The account is sensitive: scrub it from anything the provider echoes back into an error.
    const scrub = (text: string): string => text.split(request.payoutAccount).join('[redacted]');
    if (answer.status === 402) {
      throw new DomainError(PAYOUT_DECLINED, scrub(detailOf(answer, 'payout declined by the provider')), {
        status: 402,
      });
    }
    if (answer.status === 410 && answer.body?.code === PAYOUT_VOIDED) {
      throw new DomainError(PAYOUT_VOIDED, detailOf(answer, 'the payout key was voided'), { status: 410 });
    }
    return this.receipt('/payouts', answer, scrub);
  }

  /** Looks the key up; if the bank has nothing under it, voids it so that "not paid" stays true. */
  async payoutOutcome(idempotencyKey: string): Promise<PayoutOutcome> {
    const found = await this.request('GET', `/payouts?idempotencyKey=${encodeURIComponent(idempotencyKey)}`);
    const known = this.outcome('GET /payouts', found);
    if (known) return known;
    const closed = await this.request('POST', '/payouts/void', idempotencyKey, {});
    const final = this.outcome('POST /payouts/void', closed);
    if (!final) throw new Error('payout provider: POST /payouts/void did not settle the key');
    return final;
  }

  /** The lookup's answer as an outcome; undefined when the bank has nothing under the key yet. */
  private outcome(what: string, answer: ProviderAnswer): PayoutOutcome | undefined {
    const { status, body } = answer;
    if (status !== 200 || typeof body?.outcome !== 'string') {
      throw new Error(`payout provider: ${what} answered ${status} (transient, ask again)`);
    }
    const detail = typeof body.detail === 'string' ? body.detail : undefined;
    switch (body.outcome) {
      case 'PAID': {
        const payout = body.payout as { id?: unknown } | undefined;
        if (typeof payout?.id !== 'string')
          throw new Error(`payout provider: ${what} said PAID without an id`);
        return { kind: 'PAID', reference: payout.id };
      }
      case 'DECLINED':
        return { kind: 'DECLINED', reason: detail ?? 'declined by the provider' };
      case 'VOIDED':
        return { kind: 'NOT_PAID', reason: 'the bank never received the payout; its key is now void' };
      case 'NOT_FOUND':
        return undefined;
      default:
        throw new Error(`payout provider: ${what} answered an unknown outcome ${String(body.outcome)}`);
    }
  }

  async refund(request: RefundRequest): Promise<ProviderReceipt> {
    const answer = await this.post('/refunds', request.idempotencyKey, {
      payoutId: request.payoutReference,
      paymentId: request.paymentId,
      amountMinor: request.amountMinor,
      currency: request.currency,
    });
    if (answer.status === 402) {
      throw new DomainError(PAYOUT_DECLINED, detailOf(answer, 'refund declined by the provider'), {
        status: 402,
      });
    }
    // A reused idempotency key is our bug, not a refund rule: keep it distinguishable.
    if (answer.status === 422 && answer.body?.code !== 'IDEMPOTENCY_KEY_REUSED') {
      throw new DomainError(REFUND_NOT_ALLOWED, detailOf(answer, 'refund not allowed by the provider'), {
        status: 422,
      });
    }
    return this.receipt('/refunds', answer, (t) => t);
  }

  private receipt(path: string, answer: ProviderAnswer, scrub: (text: string) => string): ProviderReceipt {
    const { status, body } = answer;
    if (status >= 200 && status < 300) {
      if (typeof body?.id !== 'string' || body.id === '') {
        throw new Error(`payout provider: POST ${path} answered ${status} without an id`);
      }
      return { reference: body.id };
    }
    // Rate limits and request timeouts are the provider asking us to come back later.
    if (status >= 500 || status === 408 || status === 429) {
      throw new Error(
        `payout provider: POST ${path} answered ${status} (transient, retry with the same key)`,
      );
    }
    const providerCode = typeof body?.code === 'string' ? body.code : undefined;
    throw new DomainError(
      PAYOUT_PROVIDER_REJECTED,
      scrub(`POST ${path} rejected with ${status}: ${detailOf(answer, 'no detail')}`),
      { status, ...(providerCode ? { providerCode } : {}) },
    );
  }

  private post(path: string, idempotencyKey: string, body: object): Promise<ProviderAnswer> {
    return this.request('POST', path, idempotencyKey, body);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    idempotencyKey?: string,
    body?: object,
  ): Promise<ProviderAnswer> {
    // A client span, child of the activity's, and a `traceparent` for the provider to continue.
    return trace
      .getTracer('alpes-partners-provider')
      .startActiveSpan(
        `sandbox-bank ${method} ${path.split('?')[0]}`,
        { kind: SpanKind.CLIENT },
        async (span) => {
          try {
            const answer = await this.send(method, path, idempotencyKey, body);
            span.setAttribute('http.status_code', answer.status);
            return answer;
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw err;
          } finally {
            span.end();
          }
        },
      );
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    idempotencyKey: string | undefined,
    body: object | undefined,
  ): Promise<ProviderAnswer> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
    };
    propagation.inject(context.active(), headers);
    try {
      const res = await fetch(url, {
        method,
        headers,
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: parseObject(text) };
    } catch (err) {
      // Messages name the URL and cause only: the request body carries the payout account.
      if (isAbort(err)) {
        throw new Error(`payout provider: ${method} ${url} timed out after ${this.timeoutMs}ms`);
      }
      throw new Error(`payout provider: ${method} ${url} failed (${causeOf(err)})`);
    }
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function detailOf(answer: ProviderAnswer, fallback: string): string {
  const detail = answer.body?.detail ?? answer.body?.title;
  return typeof detail === 'string' && detail !== '' ? detail : fallback;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
