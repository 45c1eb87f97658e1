import type { Knex } from 'knex';

/** The last row of the previous page. */
export interface KeysetCursor {
  createdAt: string;
  id: string;
}

/**
 * Newest first, keyset-paginated on (created_at, id): orders `q` and keeps the rows after `after`.
 * The id breaks ties between rows created in the same instant, so no row is skipped or repeated.
 * Call it after the other filters: its condition is ANDed with theirs.
 */
export function newestFirst<Q extends Knex.QueryBuilder>(q: Q, after: KeysetCursor | undefined): Q {
  q.orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
  if (after) {
    const { createdAt, id } = after;
    q.where((w) =>
      w
        .where('created_at', '<', createdAt)
        .orWhere((x) => x.where('created_at', createdAt).andWhere('id', '<', id)),
    );
  }
  return q;
}
