import type { RawData } from 'ws';
import { z } from 'zod';
import type { ClientMessage } from '../../stream-protocol';

/** A subscribe message is a few dozen bytes; anything this large is a mistake or an attack. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Reasons are echoed in error frames: printable ASCII, this long at most, whatever the client sent. */
export const MAX_REASON_CHARS = 300;

const id = z.string().min(1).max(64);

// Strict filter: an unknown key (say a typo `partner`) would otherwise silently widen the stream.
const subscribeSchema = z.object({
  type: z.literal('subscribe'),
  since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  filter: z.strictObject({ partnerId: id.optional(), paymentId: id.optional() }).optional(),
});

const authenticateSchema = z.object({
  type: z.literal('authenticate'),
  token: z.string().min(1).max(4_096),
});

const clientMessageSchema = z.discriminatedUnion('type', [subscribeSchema, authenticateSchema]);

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
  const parsed = clientMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
      .join('; ');
    return {
      ok: false,
      reason: boundedReason(
        `expected {type:'subscribe', since?, filter?} or {type:'authenticate', token}: ${issues}`,
      ),
    };
  }
  return { ok: true, message: parsed.data };
}

/** Client-controlled text (unknown keys are named in zod's issues) made safe and small for an error frame. */
export function boundedReason(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= MAX_REASON_CHARS ? printable : `${printable.slice(0, MAX_REASON_CHARS - 1)}…`;
}
