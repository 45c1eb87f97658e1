import type { Knex } from 'knex';
import type { AuditEntry, AuditFilter, AuditLog, AuditRecord } from '../../ports/audit.port';
import type { Role } from '../../ports/principal';
import { iso } from './payment.repository';

interface AuditRow {
  id: string | number;
  occurred_at: Date | string;
  actor_name: string;
  actor_role: string;
  actor_partner_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  method: string;
  path: string;
  client_address: string | null;
  request_id: string | null;
  outcome_status: number;
  before: unknown;
  after: unknown;
}

const clip = (v: string | null, max: number): string | null => (v === null ? null : v.slice(0, max));
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parsed = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));

const toRecord = (r: AuditRow): AuditRecord => ({
  id: String(r.id),
  occurredAt: iso(r.occurred_at),
  actor: { name: r.actor_name, role: r.actor_role as Role, partnerId: r.actor_partner_id },
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  method: r.method,
  path: r.path,
  clientAddress: r.client_address,
  requestId: r.request_id,
  outcomeStatus: r.outcome_status,
  before: parsed(r.before),
  after: parsed(r.after),
});

/**
 * The audit log on PostgreSQL (table `audit_log`): insert and select only. The table's triggers
 * refuse UPDATE, DELETE and TRUNCATE, so even a bug here could not rewrite it.
 */
export class KnexAuditLog implements AuditLog {
  constructor(private readonly db: Knex) {}

  async append(e: AuditEntry): Promise<void> {
    await this.db('audit_log').insert({
      occurred_at: e.occurredAt,
      actor_name: clip(e.actor.name, 200),
      actor_role: e.actor.role,
      actor_partner_id: clip(e.actor.partnerId, 64),
      action: clip(e.action, 100),
      target_type: clip(e.targetType, 50),
      target_id: clip(e.targetId, 200),
      method: clip(e.method, 10),
      path: clip(e.path, 500),
      client_address: clip(e.clientAddress, 100),
      request_id: clip(e.requestId, 100),
      outcome_status: e.outcomeStatus,
      before: json(e.before),
      after: json(e.after),
    });
  }

  /** Newest first, keyset-paginated on the position. */
  async list(f: AuditFilter): Promise<AuditRecord[]> {
    const q = this.db<AuditRow>('audit_log').orderBy('id', 'desc').limit(f.limit);
    if (f.actor) q.where('actor_name', f.actor);
    if (f.action) q.where('action', f.action);
    if (f.targetType) q.where('target_type', f.targetType);
    if (f.targetId) q.where('target_id', f.targetId);
    if (f.since) q.where('occurred_at', '>=', f.since);
    if (f.until) q.where('occurred_at', '<', f.until);
    if (f.beforeId) q.where('id', '<', f.beforeId);
    return (await q).map(toRecord);
  }
}
