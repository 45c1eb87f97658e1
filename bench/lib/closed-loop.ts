import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats';

export interface Sample {
  /** performance.now() at the start of the unit of work. */
  startedAt: number;
  completedAt: number;
  /** Extra timings of this unit (ms), e.g. the POST's own round trip. */
  parts?: Record<string, number>;
  id?: string;
}

export interface LoopResult {
  count: number;
  concurrency: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  /** First start to last completion (ms). */
  windowMs: number;
  throughputPerSec: number;
  latencyMs: Summary;
  parts: Record<string, Summary>;
  samples: Sample[];
}

/**
 * Closed loop: `concurrency` virtual users each start a unit, wait for its completion, then start
 * the next, until `count` units have been started. Throughput = completed ÷ (first start → last
 * completion); latency = each unit's start → completion.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<Sample>,
): Promise<LoopResult> {
  let next = 0;
  const samples: Sample[] = [];
  const errors: string[] = [];
  let errorCount = 0;
  const t0 = performance.now();
  const user = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        samples.push(await one(i));
      } catch (e) {
        errorCount += 1;
        if (errors.length < 10) errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, user));
  const firstStart = samples.length ? Math.min(...samples.map((s) => s.startedAt)) : t0;
  const lastEnd = samples.length ? Math.max(...samples.map((s) => s.completedAt)) : performance.now();
  const windowMs = Math.max(1, lastEnd - firstStart);
  const partNames = new Set(samples.flatMap((s) => Object.keys(s.parts ?? {})));
  const parts: Record<string, Summary> = {};
  for (const name of partNames) {
    parts[name] = summarize(samples.map((s) => s.parts?.[name]).filter((v): v is number => v !== undefined));
  }
  return {
    count,
    concurrency,
    completed: samples.length,
    errors: errorCount,
    errorSamples: errors,
    windowMs,
    throughputPerSec: (samples.length * 1000) / windowMs,
    latencyMs: summarize(samples.map((s) => s.completedAt - s.startedAt)),
    parts,
    samples,
  };
}
