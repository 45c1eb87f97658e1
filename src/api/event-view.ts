import type { StoredEvent } from '../ports/event-log.port';

/** An event of the log as the API shows it inside a resource's history. */
export const presentEvent = (e: StoredEvent) => ({
  position: e.position,
  id: e.id,
  type: e.type,
  occurredAt: e.occurredAt,
  data: e.data,
});
