import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config';
import type { Principal } from '../../ports/principal';

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Holds only SHA-256 hashes of the configured keys. A lookup hashes the presented key and compares
 * it with every entry in constant time, so neither timing nor an early exit reveals which key
 * (or how much of one) matched.
 */
export class ApiKeyRegistry {
  private readonly entries: Array<{ hash: Buffer; principal: Principal }>;

  constructor(keys: ApiKeyEntry[]) {
    this.entries = keys.map((k) => ({
      hash: k.key ? sha256(k.key) : Buffer.from(k.keySha256!, 'hex'),
      principal: { name: k.name, role: k.role, ...(k.partnerId ? { partnerId: k.partnerId } : {}) },
    }));
  }

  authenticate(presented: string): Principal | undefined {
    const hash = sha256(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, hash) && !found) found = entry.principal;
    }
    return found;
  }
}
