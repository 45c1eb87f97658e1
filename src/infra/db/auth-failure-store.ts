import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** rate-limiter-flexible's own table (it creates it: `key` primary key, `points`, `expire`). */
export const AUTH_FAILURES_TABLE = 'alpes_auth_failures';

export interface AuthFailureStoreOptions {
  kind: 'postgres' | 'pglite';
  perMinute: number;
  /**
   * Names the deployment within the table, so two deployments (or test systems) sharing one
   * database never count each other's failures. Every replica of one deployment must agree on it.
   */
  scope: string;
}

/**
 * Where failed authentications are counted: a PostgreSQL table shared by every API replica, or —
 * with PGlite, the one-process embedded default, whose knex driver the library cannot use —
 * memory. Expired rows are deleted by the library every 5 minutes (an hour after they expired).
 */
export async function openAuthFailureStore(
  db: Knex,
  opts: AuthFailureStoreOptions,
): Promise<RateLimiterAbstract> {
  const common = { keyPrefix: `auth-failures:${opts.scope}`, points: opts.perMinute, duration: 60 };
  if (opts.kind !== 'postgres') return new RateLimiterMemory(common);
  return new Promise((resolve, reject) => {
    const limiter: RateLimiterPostgres = new RateLimiterPostgres(
      {
        ...common,
        storeClient: db,
        storeType: 'knex',
        tableName: AUTH_FAILURES_TABLE,
        // While PostgreSQL fails, count in this replica's memory rather than letting every guess through.
        insuranceLimiter: new RateLimiterMemory(common),
      },
      (err?: Error) => (err ? reject(err) : resolve(limiter)),
    );
  });
}
