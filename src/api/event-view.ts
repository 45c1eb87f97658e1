import type { StoredEvent } from '../infra/db/event-log';

/** An event of the log as the API shows it inside a resource's history. */
export const presentEvent = (e: StoredEvent) => ({
  position: e.position,
  id: e.id,
  type: e.type,
  occurredAt: e.occurredAt,
  data: e.data,
});
