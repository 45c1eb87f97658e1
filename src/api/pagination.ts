import { z } from './zod-openapi';
import { ProblemError } from '../shared/http/problem';
import { CURSOR_MAX_LENGTH } from './common.schemas';

/** Opaque keyset cursor: the (createdAt, id) of the last item of the previous page. */
export interface Cursor {
  createdAt: string;
  id: string;
}

const cursorShapes = {
  /** Rows keyed by a UUID: anything else would reach PostgreSQL as a malformed uuid (a 500). */
  uuid: z.object({ c: z.iso.datetime(), i: z.uuid() }),
  text: z.object({ c: z.iso.datetime(), i: z.string().min(1).max(100) }),
};

export const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify({ c: c.createdAt, i: c.id })).toString('base64url');

export function decodeCursor(
  raw: string | undefined,
  key: keyof typeof cursorShapes = 'uuid',
): Cursor | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = cursorShapes[key].parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return { createdAt: parsed.c, id: parsed.i };
  } catch {
    throw new ProblemError(400, 'Invalid request', 'cursor: not a cursor returned by this API', {
      errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
    });
  }
}

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ format: 'int32' }),
  cursor: z.string().max(CURSOR_MAX_LENGTH).optional(),
};

/** Fetch one more than asked to know whether a next page exists. */
export function page<T extends { createdAt: string; id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/**
 * Opaque cursor for append-only logs paged on their position (a bigint: the delivery log, the
 * audit log): anything but a position this API handed out is a 400, never a database error.
 */
export const encodePositionCursor = (position: string): string =>
  Buffer.from(JSON.stringify({ p: position })).toString('base64url');

export function decodePositionCursor(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof parsed.p === 'string' && /^[1-9]\d{0,17}$/.test(parsed.p)) return parsed.p;
  } catch {
    /* answered below */
  }
  throw new ProblemError(400, 'Invalid request', 'cursor: not a cursor returned by this API', {
    errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
  });
}
