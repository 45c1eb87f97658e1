import { createHash } from 'node:crypto';

/**
 * Is a configured secret good enough to run with? Used by config.ts for every secret given
 * explicitly (the embedded default generates its own, random ones). The rule, in order:
 *
 * 1. Not a placeholder: not a value `.env.example` ever shipped, and no placeholder word or shape
 *    (change-me, replace-me, placeholder, example, secret, password, `<…>`, `your-…`, a character
 *    repeated eight times, an ascending run such as `12345678` or `abcdefgh`). A base64 value that decodes
 *    to text is checked as that text too (the example codec key decodes to "CHANGE-ME-…").
 * 2. Strings (API keys, WS_TOKEN_SECRET, CODEC_UI_TOKEN): at least 256 bits by the estimate
 *    length × bits per character of the alphabet the value draws from (`estimatedBits`: 4 for hex,
 *    6 for base64/base64url, the character classes present otherwise) — at least 64 hex, 43
 *    base64url or 44 base64 characters, i.e. 32 random bytes however encoded; and at least 3 bits
 *    of Shannon entropy per character (what the characters actually are), which refuses long but
 *    repetitive values.
 * 3. Binary keys (CODEC_KEYS, WEBHOOK_SECRET_KEYS, ACTOR_SIGNING_KEY): exactly 32 bytes (the
 *    schema), at least 20 distinct byte values (32 random bytes have about 30; fewer than 20 happens
 *    with odds below 1e-12), and not decoding to printable text (random bytes are text with odds
 *    about 1e-14).
 *
 * Reasons never repeat the value itself: they end up in logs.
 */
export const MIN_SECRET_BITS = 256;
export const MIN_SHANNON_BITS_PER_CHAR = 3;
const MIN_DISTINCT_KEY_BYTES = 20;

/** Values `.env.example` ships or shipped (and what its base64 examples decode to). */
export const KNOWN_PLACEHOLDERS: readonly string[] = [
  'change-me-admin-api-key',
  'change-me-approver-api-key',
  'change-me-ws-token-secret',
  'change-me-codec-ui-token',
  'change-me-app-db-password',
  'change-me-temporal-db-password',
  'change-me-key-1',
  'CHANGE-ME-CHANGE-ME-CHANGE-ME-32',
  'Q0hBTkdFLU1FLUNIQU5HRS1NRS1DSEFOR0UtTUUtMzI=',
];

const PLACEHOLDER_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/change[-_ .]?(me|it|this)/i, 'a "change me" placeholder'],
  [/replace[-_ .]?(me|this)/i, 'a "replace me" placeholder'],
  // Words of six letters or more only: a shorter one ("todo") turns up in random base64 (1 in 25,000).
  [/placeholder|example|changeme|replaceme/i, 'a placeholder word'],
  [/secret|passw(or)?d|passphrase/i, 'the word "secret" or "password"'],
  [/^your[-_ .]|<[^>]*>/i, 'a template ("your-…" or "<…>")'],
  // Eight long: shorter runs turn up in honest random hex too often (6 would refuse 1 in 20,000).
  [/(.)\1{7}/, 'a character repeated eight times'],
  [/01234567|12345678|23456789|abcdefgh|qwertyui/i, 'an ascending run'],
];

/** Why `text` looks like a placeholder, or undefined. */
export function placeholderReason(text: string): string | undefined {
  const known = KNOWN_PLACEHOLDERS.some((p) => p.toLowerCase() === text.trim().toLowerCase());
  if (known) return 'is a placeholder from .env.example';
  for (const [re, what] of PLACEHOLDER_PATTERNS) if (re.test(text)) return `looks like ${what}`;
  const decoded = decodedText(text);
  if (decoded !== undefined) {
    const inner = placeholderReason(decoded);
    if (inner) return `decodes (base64) to text that ${inner}`;
  }
  return undefined;
}

/** Why a secret string is too weak to use, or undefined when it passes rules 1 and 2. */
export function weakSecretReason(value: string): string | undefined {
  const placeholder = placeholderReason(value);
  if (placeholder) return placeholder;
  const bits = estimatedBits(value);
  if (bits < MIN_SECRET_BITS) {
    return (
      `is too short for a secret: about ${Math.floor(bits)} bits, need ${MIN_SECRET_BITS} ` +
      '(32 random bytes: e.g. `openssl rand -base64 32` or `openssl rand -hex 32`)'
    );
  }
  const shannon = shannonBitsPerChar(value);
  if (shannon < MIN_SHANNON_BITS_PER_CHAR) {
    return `is too repetitive for a secret (${shannon.toFixed(2)} bits of entropy per character, need ${MIN_SHANNON_BITS_PER_CHAR})`;
  }
  return undefined;
}

/** Why a base64 32-byte key is unusable, or undefined when it passes rules 1 and 3. */
export function weakKeyReason(base64: string): string | undefined {
  const placeholder = placeholderReason(base64);
  if (placeholder) return placeholder;
  const bytes = Buffer.from(base64, 'base64');
  if (isPrintableText(bytes))
    return 'decodes to text, not to random bytes (generate it: `openssl rand -base64 32`)';
  if (new Set(bytes).size < MIN_DISTINCT_KEY_BYTES) {
    return 'is not random: too few distinct bytes (generate it: `openssl rand -base64 32`)';
  }
  return undefined;
}

/** For keys configured as SHA-256 only: is it the hash of a placeholder? */
export function isPlaceholderHash(sha256Hex: string): boolean {
  return KNOWN_PLACEHOLDERS.some(
    (p) => createHash('sha256').update(p, 'utf8').digest('hex') === sha256Hex.toLowerCase(),
  );
}

/**
 * Length × bits per character of the alphabet the value draws from (padding not counted): 3.3 for
 * digits, 4 for hex, 6 for base64/base64url (both letter cases, digits, at most `+/-_`), and for
 * anything else log2 of the size of the character classes present (digits 10, lower 26, upper 26,
 * the base64 symbols 2, other printable characters 33). So a prefix plus 16 random bytes in hex
 * (`bench-admin-3f…`, lower case, digits, `-`: 5.2 bits × 44) stays below 256 bits, while 32 random
 * bytes in base64 pass with or without a prefix — whichever characters they happen to contain.
 */
export function estimatedBits(value: string): number {
  const v = value.replace(/=+$/, '');
  let perChar: number;
  if (/^[0-9]+$/.test(v)) perChar = Math.log2(10);
  else if (/^[0-9a-f]+$/.test(v) || /^[0-9A-F]+$/.test(v)) perChar = 4;
  else if (/^[A-Za-z0-9+/_-]+$/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v)) perChar = 6;
  else {
    const classes: Array<[RegExp, number]> = [
      [/[0-9]/, 10],
      [/[a-z]/, 26],
      [/[A-Z]/, 26],
      [/[+/_-]/, 2],
      [/[^A-Za-z0-9+/_-]/, 33],
    ];
    perChar = Math.log2(classes.reduce((n, [re, size]) => n + (re.test(v) ? size : 0), 0) || 1);
  }
  return v.length * perChar;
}

/** Empirical Shannon entropy of the characters, in bits per character. */
export function shannonBitsPerChar(value: string): number {
  if (!value) return 0;
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function isPrintableText(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09);
}

/** The text a base64 value decodes to, when it is base64 of at least 8 bytes of printable text. */
function decodedText(value: string): string | undefined {
  const v = value.trim();
  if (v.length < 12 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return undefined;
  const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length >= 8 && isPrintableText(bytes) ? bytes.toString('latin1') : undefined;
}
