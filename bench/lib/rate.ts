import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { paymentBody, type BenchKeys } from './api-client';
import { percentile, summarize, type Summary } from './stats';

export interface RateResult {
  tool: string;
  targetRate: number;
  seconds: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  achievedRate: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
}

/**
 * `POST /payments` at a fixed rate with autocannon (`overallRate`), each request with its own
 * Idempotency-Key and line reference (`setupRequest`). Note autocannon's pacing: every connection
 * gets rate ÷ connections requests per second, sent back to back when its one-second tick fires,
 * so arrivals come in bursts at each second rather than evenly spread.
 */
export async function autocannonPayments(
  apiUrl: string,
  keys: BenchKeys,
  partnerId: string,
  keyPrefix: string,
  rate: number,
  seconds: number,
  connections: number,
): Promise<RateResult> {
  let seq = 0;
  const result = await autocannon({
    url: apiUrl,
    connections: Math.min(connections, rate),
    overallRate: rate,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/payments',
        setupRequest: (req) => {
          const key = `${keyPrefix}-${seq++}`;
          return {
            ...req,
            headers: {
              ...req.headers,
              authorization: `Bearer ${keys.operator}`,
              'content-type': 'application/json',
              'idempotency-key': key,
            },
            body: JSON.stringify(paymentBody(partnerId, key)),
          };
        },
      },
    ],
  });
  const codes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) codes[code] = v.count ?? 0;
  return {
    tool: `autocannon (overallRate, ${Math.min(connections, rate)} connections)`,
    targetRate: rate,
    seconds,
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    achievedRate: result.requests.total / seconds,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    statusCodes: codes,
  };
}

/**
 * The same load with evenly spaced arrivals (one request every 1000/rate ms, open loop, whatever
 * the answers' latency), timed from each request's scheduled send time, so a stall shows up as
 * latency instead of as fewer requests (no coordinated omission).
 */
export async function pacedPayments(
  apiUrl: string,
  keys: BenchKeys,
  partnerId: string,
  keyPrefix: string,
  rate: number,
  seconds: number,
): Promise<RateResult> {
  const total = rate * seconds;
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  let errors = 0;
  const inflight: Array<Promise<void>> = [];
  const t0 = performance.now() + 5;
  for (let i = 0; i < total; i++) {
    const scheduled = t0 + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const key = `${keyPrefix}-${i}`;
    inflight.push(
      fetch(`${apiUrl}/payments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${keys.operator}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(paymentBody(partnerId, key)),
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          latencies.push(performance.now() - scheduled);
          codes[res.status] = (codes[res.status] ?? 0) + 1;
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const s: Summary = summarize(latencies);
  const ok = Object.entries(codes)
    .filter(([c]) => c.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  return {
    tool: 'open-loop pacer (evenly spaced arrivals)',
    targetRate: rate,
    seconds,
    requests: total,
    ok2xx: ok,
    non2xx: latencies.length - ok,
    errors,
    timeouts: 0,
    achievedRate: total / seconds,
    latencyMs: {
      p50: s.p50,
      p90: percentile(Float64Array.from(latencies).sort(), 90),
      p99: s.p99,
      max: s.max,
      mean: s.mean,
    },
    statusCodes: codes,
  };
}
