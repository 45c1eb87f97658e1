/** Something that happened in the domain; persisted to the event log and pushed to subscribers. */
export interface DomainEvent<TType extends string = string, TData = Record<string, unknown>> {
  id: string; // uuid
  type: TType;
  occurredAt: string; // ISO-8601
  aggregate: { type: string; id: string };
  partnerId: string | null;
  data: TData; // JSON-serialisable
}

/** Random v4 UUID from the Web Crypto global, so the domain needs no `node:` import. */
export const newEventId = (): string => globalThis.crypto.randomUUID();
