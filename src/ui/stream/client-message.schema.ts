import type { RawData } from 'ws';
import { z } from 'zod';
import type { ClientMessage } from '../stream-protocol';

/** A subscribe message is a few dozen bytes; anything this large is a mistake or an attack. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

const id = z.string().min(1).max(64);

// Strict filter: an unknown key (say a typo `partner`) would otherwise silently widen the stream.
const subscribeSchema = z.object({
  type: z.literal('subscribe'),
  since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  filter: z.strictObject({ partnerId: id.optional(), paymentId: id.optional() }).optional(),
});

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/** Decodes one websocket frame; never throws, whatever the client sends. */
export function parseClientMessage(data: RawData, isBinary: boolean): ParsedClientMessage {
  if (isBinary) return { ok: false, reason: 'messages are JSON text frames' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (bytes.length > MAX_CLIENT_MESSAGE_BYTES)
    return { ok: false, reason: `messages are at most ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = subscribeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: `expected {type:'subscribe', since?, filter?}: ${issues}` };
  }
  return { ok: true, message: parsed.data };
}
