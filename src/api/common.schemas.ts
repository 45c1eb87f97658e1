import { z } from './zod-openapi';

/**
 * The building blocks every API schema bounds its values with, so what the document declares
 * (`maxLength`, `format`, `minimum`/`maximum`) is what request validation enforces, and response
 * fields state the bounds of what they are read from (column sizes, validated inputs).
 */

/** A UUID is 36 characters; the bound is explicit so the document states it (OWASP API4). */
export const UUID_LENGTH = 36;
/** ISO-8601 with nanoseconds and an offset (`2024-03-31T12:00:00.123456789+05:30`) is 35 characters. */
export const DATE_TIME_MAX_LENGTH = 35;
/** API key names (ALPES_API_KEYS allows 100), `system` or `schedule`; the widest actor column is 200. */
export const ACTOR_MAX_LENGTH = 200;
/** `varchar(64)` partner and payment ids of the read models (UUIDs in practice). */
export const ID_COLUMN_MAX_LENGTH = 64;
/** Opaque page cursors, as `pageQuery` accepts them back. */
export const CURSOR_MAX_LENGTH = 500;
/** A URL the API composes (Temporal Web UI links, `Location`): TEMPORAL_UI_URL plus ids. */
export const URL_MAX_LENGTH = 2048;
/** Text the server composes itself (failure reasons, labels, skip details), bounded where it is built. */
export const MESSAGE_MAX_LENGTH = 2000;
/** Counts, rows, sequence numbers and versions live in `integer` columns. */
export const INT32_MAX = 2_147_483_647;

/** The format already bounds the length; stating it adds no second check (and no second error). */
export const uuid = (message?: string) =>
  z.uuid(message ? { message } : undefined).openapi({ maxLength: UUID_LENGTH });

/** Three capital letters: the pattern bounds the length, stated for the document. */
export const currencyCode = (message = 'must be an ISO-4217 code such as COP or USD') =>
  z
    .string()
    .regex(/^[A-Z]{3}$/, { message })
    .openapi({ minLength: 3, maxLength: 3 });

/** An instant with `Z` or an offset, as requests send it and responses carry it. */
export const dateTime = (message?: string) =>
  z.iso.datetime({ offset: true, ...(message ? { message } : {}) }).max(DATE_TIME_MAX_LENGTH);

/** A calendar day, `YYYY-MM-DD`. */
export const day = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
    .openapi({ format: 'date', minLength: 10, maxLength: 10 });

/** Who did something: an API key's name, or `system`/`schedule` for the workflows. */
export const actor = () => z.string().max(ACTOR_MAX_LENGTH);

/** An `integer` column: count, row, seq, version. */
export const int32 = (min = 0, max = INT32_MAX) =>
  z.number().int().min(min).max(max).openapi({ format: 'int32' });

/** Integer minor units: exact in a JSON number up to 2^53 - 1 (`bigint` columns hold them). */
export const minorUnits = () =>
  z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' });

/** An amount a request brings: whole minor units, more than zero. */
export const positiveMinorUnits = () =>
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' });

/**
 * Minor units as a decimal string, for sums that may pass 2^53: a sum of up to 2^31 amounts of up
 * to 2^53 has at most 26 digits.
 */
export const minorString = () =>
  z
    .string()
    .regex(/^-?\d{1,30}$/)
    .openapi({ description: 'decimal string of minor units', maxLength: 31 });

/** A position in an append-only log (a `bigint` column, handed out as a JSON number). */
export const logPosition = () =>
  z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64' });

export const nextCursor = () => z.string().max(CURSOR_MAX_LENGTH).nullable();

/** One page of a list, newest first: at most 200 items (the most `pageQuery` asks for) and the next page's cursor. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item).max(200), nextCursor: nextCursor() }).openapi(name);

export const url = () => z.string().max(URL_MAX_LENGTH).openapi({ format: 'uri' });

export { clampText } from '../domain/text-length.util';
