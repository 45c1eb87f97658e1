import { performance } from 'node:perf_hooks';
import type { Sample } from './closed-loop';
import type { StreamObserver } from './stream-observer';

export interface BenchKeys {
  admin: string;
  operator: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed };
}

export async function createPartner(apiUrl: string, keys: BenchKeys, label: string): Promise<string> {
  const res = await call(apiUrl, 'POST', '/partners', keys.admin, {
    name: `Bench partner ${label}`,
    email: `bench-${label}@example.com`,
    payoutAccount: 'DE89 3704 0044 0532 0130 00',
  });
  if (res.status !== 201) throw new Error(`partner not created: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export async function wsToken(apiUrl: string, keys: BenchKeys): Promise<string> {
  const res = await call(apiUrl, 'POST', '/auth/ws-token', keys.operator);
  if (res.status !== 200) throw new Error(`no ws token: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

/** A small payment (120.00 USD, one line): under the bench's approval threshold. */
export const paymentBody = (partnerId: string, reference: string) => ({
  partnerId,
  currency: 'USD',
  lines: [{ reference, amountMinor: 12_000, description: 'Benchmark commission' }],
});

/**
 * One payment through the API: `POST /payments` (with an idempotency key unique to this run),
 * then its final event on the stream. Latency is POST sent → `PaymentCompleted` received.
 */
export async function onePayment(
  apiUrl: string,
  keys: BenchKeys,
  partnerId: string,
  observer: StreamObserver,
  key: string,
  timeoutMs: number,
): Promise<Sample> {
  const startedAt = performance.now();
  const res = await call(apiUrl, 'POST', '/payments', keys.operator, paymentBody(partnerId, key), {
    'idempotency-key': key,
  });
  const answeredAt = performance.now();
  if (res.status !== 202)
    throw new Error(`POST /payments answered ${res.status}: ${JSON.stringify(res.body)}`);
  const id = (res.body as { id: string }).id;
  const done = await observer.completion(id, timeoutMs);
  if (done.type !== 'PaymentCompleted') throw new Error(`payment ${id} ended with ${done.type}`);
  return {
    id,
    startedAt,
    completedAt: done.receivedAt,
    parts: { post: answeredAt - startedAt, afterPost: done.receivedAt - answeredAt },
  };
}
