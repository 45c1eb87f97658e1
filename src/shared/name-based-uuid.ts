import { createHash } from 'node:crypto';

/**
 * RFC 4122 name-based (v5-style) UUID: the same namespace and name always give the same id, which
 * is how a retried request or activity finds what its first attempt created.
 */
export function nameBasedUuid(namespace: string, name: string): string {
  const h = createHash('sha1').update(`alpes-partners/${namespace}:`).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
