import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { performance } from 'node:perf_hooks';
import { AesGcmPayloadCodec, type CodecKey } from '../../src/infra/temporal/encryption-codec';

/**
 * CPU cost of one payload's trip through the data converter: JSON serialisation (payload
 * converter) and the AES-256-GCM codec, on payloads shaped like the payment path's own (the
 * workflow input, an activity input, a step result). Multiplied by the payloads a payment's history
 * holds, it bounds what serialisation and encryption cost a payment.
 */
export interface CodecProfile {
  payloadBytes: Record<string, number>;
  /** Per payload, averaged over the samples: µs. */
  jsonToPayloadUs: number;
  jsonFromPayloadUs: number;
  codecEncodeUs: number;
  codecDecodeUs: number;
}

const SAMPLES: Record<string, unknown> = {
  workflowInput: {
    paymentId: '5d1b8f7e-2f6c-5a4b-9c3d-1e2f3a4b5c6d',
    partnerId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    currency: 'USD',
    lines: [{ reference: 'bench-20250101-000001', amountMinor: 12_000, description: 'Benchmark commission' }],
    createdBy: 'bench-operator',
    requestHash: 'f'.repeat(64),
    settings: {
      activityStartToCloseMs: 30_000,
      retryInitialIntervalMs: 1_000,
      retryMaxIntervalMs: 60_000,
      approvalTimeoutMs: 259_200_000,
      refundWindowMs: 1_000,
      payoutScheduleToCloseMs: 86_400_000,
    },
  },
  activityInput: { paymentId: '5d1b8f7e-2f6c-5a4b-9c3d-1e2f3a4b5c6d' },
  stepResult: {
    paymentId: '5d1b8f7e-2f6c-5a4b-9c3d-1e2f3a4b5c6d',
    status: 'PROCESSING',
    totalMinor: 12_000,
    currency: 'USD',
    version: 2,
    approvedBy: null,
    reason: null,
  },
};

function timeUs(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - t0) * 1000) / iterations;
}

async function timeAsyncUs(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - t0) * 1000) / iterations;
}

export async function profileCodec(keys: CodecKey[], iterations = 3_000): Promise<CodecProfile> {
  const codec = new AesGcmPayloadCodec(keys);
  const values = Object.values(SAMPLES);
  const payloads: Payload[] = values.map((v) => defaultPayloadConverter.toPayload(v));
  const encrypted = await codec.encode(payloads);
  const n = values.length;
  return {
    payloadBytes: Object.fromEntries(
      Object.keys(SAMPLES).map((k, i) => [k, payloads[i]!.data?.byteLength ?? 0]),
    ),
    jsonToPayloadUs:
      timeUs(iterations, () => values.forEach((v) => defaultPayloadConverter.toPayload(v))) / n,
    jsonFromPayloadUs:
      timeUs(iterations, () => payloads.forEach((p) => defaultPayloadConverter.fromPayload(p))) / n,
    codecEncodeUs: (await timeAsyncUs(iterations, () => codec.encode(payloads))) / n,
    codecDecodeUs: (await timeAsyncUs(iterations, () => codec.decode(encrypted))) / n,
  };
}
