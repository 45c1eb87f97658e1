import { DomainError } from '../domain/domain-error';

/** Thrown by a unit of work that found the data moving under it; the whole transaction is retried. */
export class ConcurrentChange extends Error {}

// A repository's version check lost (OptimisticConcurrencyError), or PostgreSQL chose this
// transaction as a deadlock or serialization victim.
const TRANSIENT_CODES = new Set(['PAYMENT.CONCURRENT_MODIFICATION', '40P01', '40001']);

const isTransient = (e: unknown): boolean =>
  e instanceof ConcurrentChange ||
  (typeof e === 'object' && e !== null && TRANSIENT_CODES.has(String((e as { code?: unknown }).code)));

/**
 * Runs a transaction again when it lost a race with another writer: the retry re-reads and
 * decides on fresh state (e.g. the second of two concurrent holds is then refused as a hold twice).
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (e) {
      if (!isTransient(e)) throw e;
      if (attempt >= attempts) {
        throw new DomainError('TRANSACTION.CONCURRENT_MODIFICATION', 'the data changed concurrently; retry');
      }
    }
  }
}
