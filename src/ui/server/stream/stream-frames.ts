import type { StoredEvent } from '../../../ports/event-log.port';
import type { ServerMessage, StreamEvent } from '../../stream-protocol';

/** The wire form of a stored event: everything but its position, which the envelope carries. */
export function toStreamEvent(e: StoredEvent): StreamEvent {
  return {
    id: e.id,
    type: e.type,
    occurredAt: e.occurredAt,
    aggregate: e.aggregate,
    partnerId: e.partnerId,
    data: e.data,
    workflowId: e.workflowId,
    runId: e.runId,
  };
}

/** Serialises a server message; typed so every frame on the wire matches the protocol. */
export function frame(message: ServerMessage): string {
  return JSON.stringify(message);
}

export function eventFrame(e: StoredEvent): string {
  return frame({ type: 'event', position: e.position, event: toStreamEvent(e) });
}
