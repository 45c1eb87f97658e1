import type { Payload, PayloadCodec } from '@temporalio/common';
import { timingSafeEqual } from 'node:crypto';
import { UnencryptedPayloadError } from '../ports/payload-codec.port';
import { ProblemError } from '../shared/http/problem';
import { clientKey, noteFailure, tooManyFailures, type AuthFailureThrottle } from './auth-throttle';
import type { RouteTable } from './route-kit';
import { z } from './zod-openapi';

/** Payloads as the Temporal Web UI and CLI send them to a codec server: proto3 JSON, bytes in base64. */
const jsonPayloads = z
  .object({
    payloads: z
      .array(
        z.object({
          metadata: z.record(z.string(), z.string().max(1_000_000)).optional(),
          data: z.string().max(10_000_000).optional(),
        }),
      )
      .max(1_000),
  })
  .openapi('CodecPayloads');

const fromJson = (p: z.infer<typeof jsonPayloads>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecRoutesDeps {
  codec: PayloadCodec;
  /** Decode-only link token for the Temporal Web UI, which cannot send our API keys. */
  uiToken: string;
  /** Wrong link tokens count as failed authentications of the client address, like wrong keys. */
  failures: AuthFailureThrottle;
}

/**
 * The codec server: lets operators (and the Temporal Web UI) see payloads that reach the Temporal
 * server only encrypted. Decoding is an act of reading, so every role that reads may use it; a
 * partner key may not, since histories hold other partners' data. Encoding is writing: it turns any
 * plaintext into a payload the workers accept as ours, so only operators (and admins) may — a
 * viewer key is no encryption oracle.
 */
export function codecRoutes(routes: RouteTable, deps: CodecRoutesDeps): void {
  const run = async (op: 'encode' | 'decode', body: z.infer<typeof jsonPayloads>) => {
    try {
      const out = await deps.codec[op](body.payloads.map(fromJson));
      return { payloads: out.map(toJson) };
    } catch (err) {
      throw new ProblemError(
        422,
        'Payloads could not be processed',
        err instanceof UnencryptedPayloadError
          ? `${op} refused: a payload is not encrypted with our keys (CODEC_ACCEPT_PLAINTEXT reads old histories)`
          : `${op} failed: wrong key or corrupted payload`,
      );
    }
  };
  const expected = Buffer.from(deps.uiToken);
  const tokenMatches = (given: string): boolean => {
    const b = Buffer.from(given);
    return b.length === expected.length && timingSafeEqual(b, expected);
  };

  const rolesFor = { encode: ['operator'], decode: ['operator', 'viewer'] } as const;
  for (const op of ['encode', 'decode'] as const) {
    routes.add({
      method: 'post',
      path: `/codec/${op}`,
      summary: `${op === 'encode' ? 'Encrypt' : 'Decrypt'} Temporal payloads (codec server)`,
      tag: 'Codec',
      roles: rolesFor[op],
      // Transforms payloads; changes nothing.
      audit: false,
      body: jsonPayloads,
      responses: { 200: { description: 'The payloads', schema: jsonPayloads } },
      handler: async ({ body, res }) => void res.json(await run(op, body)),
    });
  }

  routes.add({
    method: 'post',
    path: '/codec/ui/:token/decode',
    summary: 'Decrypt payloads for the Temporal Web UI (link token from the launcher)',
    tag: 'Codec',
    roles: 'public',
    audit: false,
    params: z.object({ token: z.string().min(1).max(200) }),
    body: jsonPayloads,
    responses: { 200: { description: 'The payloads', schema: jsonPayloads } },
    handler: async ({ params, body, req, res }) => {
      const client = clientKey(req.ip);
      const wait = await deps.failures.retryAfterMs(client);
      if (wait > 0) throw tooManyFailures(res, deps.failures, wait);
      if (!tokenMatches(params.token)) {
        const count = await deps.failures.recordFailure(client);
        if (count.retryAfterMs > 0) throw tooManyFailures(res, deps.failures, count.retryAfterMs);
        noteFailure(res, deps.failures, count);
        throw new ProblemError(401, 'Unauthorized', 'invalid codec link token');
      }
      res.json(await run('decode', body));
    },
  });
}
