import type { RequestHandler, Response } from 'express';
import type { AuditEntry, AuditLog, AuditStamp } from '../ports/audit.port';
import type { Logger } from '../shared/logger';
import { ProblemError } from '../shared/http/problem';
import { auditListQuery, auditPage } from './audit.schemas';
import { decodePositionCursor, encodePositionCursor } from './pagination';
import {
  principalOf,
  type AuditedRoute,
  type AuditStampMaker,
  type Method,
  type RouteTable,
} from './route-kit';
import { redactUrl } from './url-redaction';

/**
 * The audit log's edge: one generic mechanism keyed on the route table, so a route is audited by
 * being declared, not by remembering to call something. Every non-GET call an authenticated key
 * makes is appended: who (key name and role), what (action, target), when, from which address, the
 * request id and the outcome status — by the use case in the transaction of its change (an
 * AuditStamp), or else when the answer is sent (refusals, failures, changes carried out by a
 * workflow, whose own events name the actor in the transaction of the change). Routes that hold a before/after
 * (partner changes) hand it over with `noteAudit`.
 */

/** `partners` → `partner`: the target type of a route's first segment. */
const singular = (segment: string): string => segment.replace(/s$/, '');

/**
 * The action a route is audited under unless it names its own: the resource, the path's static
 * segments after it, and the method where the path alone does not say it:
 *   POST /payments → payment.create · POST /payments/:id/approve → payment.approve
 *   PATCH /partners/:id → partner.update · DELETE /partners/:id/payout-hold → partner.payout-hold.delete
 */
export function derivedAuditAction(method: Method, path: string): { action: string; targetType: string } {
  const segments = path.split('/').filter((s) => s.length > 0);
  const [resource = 'api', ...rest] = segments;
  const targetType = singular(resource);
  const statics = rest.filter((s) => !s.startsWith(':'));
  const verb =
    method === 'delete'
      ? 'delete'
      : method === 'put' || method === 'patch'
        ? 'update'
        : statics.length === 0
          ? 'create'
          : undefined;
  return { action: [targetType, ...statics, ...(verb ? [verb] : [])].join('.'), targetType };
}

interface AuditNote {
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Lets a handler add to its audit entry what only it knows: the target's state before and after. */
export function noteAudit(res: Response, note: AuditNote): void {
  res.locals.auditNote = { ...(res.locals.auditNote as AuditNote | undefined), ...note };
}

/** The id a create answered with (`Location: /payments/<id>`), for routes without an id in the path. */
function idFromLocation(location: string | undefined): string | null {
  if (!location) return null;
  const last = location.split('?')[0]!.split('/').filter(Boolean).at(-1);
  if (!last) return null;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * Appends an entry for each audited call once its answer is out (so the outcome is the status the
 * caller saw, error answers included). A failed write is logged loudly; the answer is already sent.
 */
export function auditTrail(
  log: AuditLog,
  logger: Logger,
  clock: () => Date = () => new Date(),
): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const occurredAt = clock().toISOString();
    /** The entry as it stands, with `outcomeStatus`; undefined for calls that are not audited. */
    const entryFor = (outcomeStatus: number): AuditEntry | undefined => {
      const route = res.locals.auditedRoute as AuditedRoute | undefined;
      const principal = principalOf(res);
      // Unmatched paths and calls without a key change nothing and have nobody to name.
      if (!route || route.audit === false || !principal) return undefined;
      const derived = derivedAuditAction(route.method, route.path);
      const note = (res.locals.auditNote as AuditNote | undefined) ?? {};
      return {
        occurredAt,
        actor: { name: principal.name, role: principal.role, partnerId: principal.partnerId ?? null },
        action: route.audit?.action ?? derived.action,
        targetType: route.audit?.targetType ?? derived.targetType,
        targetId:
          note.targetId !== undefined
            ? note.targetId
            : (route.params.id ?? route.params.externalRef ?? idFromLocation(res.get('location'))),
        method: req.method,
        path: redactUrl(req.originalUrl.split('?')[0] ?? req.path),
        clientAddress: req.ip ?? null,
        requestId: (res.locals.requestId as string | undefined) ?? null,
        outcomeStatus,
        before: note.before ?? null,
        after: note.after ?? null,
      };
    };
    // The route table asks for a stamp before the handler runs (see AuditStamp).
    const makeStamp: AuditStampMaker = (successStatus) => {
      const entry = entryFor(successStatus);
      if (!entry) return undefined;
      const { before: _before, after: _after, ...draft } = entry;
      const stamp: AuditStamp = { draft, committed: false };
      res.locals.auditStamp = stamp;
      return stamp;
    };
    res.locals.makeAuditStamp = makeStamp;
    let written = false;
    const write = (): void => {
      if (written) return;
      written = true;
      // Written with the change it records, in the use case's own transaction.
      if ((res.locals.auditStamp as AuditStamp | undefined)?.committed) return;
      const entry = entryFor(res.statusCode);
      if (!entry) return;
      log.append(entry).catch((err: unknown) => {
        logger.error({ err, action: entry.action, requestId: entry.requestId }, 'audit entry NOT written');
      });
    };
    res.once('finish', write);
    res.once('close', write);
    next();
  };
}

/** `GET /audit`: admins only (no other role is listed, and admin may do everything). */
export function auditRoutes(routes: RouteTable, deps: { log: AuditLog }): void {
  routes.add({
    method: 'get',
    path: '/audit',
    summary: 'Read the audit log',
    tag: 'Audit',
    roles: [],
    query: auditListQuery,
    responses: {
      200: {
        description:
          'Entries newest first: who (key name, role), what (action, target), when, from where, the request id, the outcome status, and before/after for partner changes',
        schema: auditPage,
      },
    },
    handler: async ({ query, res }) => {
      if (query.since && query.until && Date.parse(query.since) > Date.parse(query.until)) {
        throw new ProblemError(400, 'Invalid request', 'since: must not be after until', {
          errors: [{ field: 'since', message: 'must not be after until' }],
        });
      }
      const rows = await deps.log.list({
        actor: query.actor,
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
        since: query.since,
        until: query.until,
        limit: query.limit + 1,
        beforeId: decodePositionCursor(query.cursor),
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      res.json({
        items,
        nextCursor: rows.length > query.limit && last ? encodePositionCursor(last.id) : null,
      });
    },
  });
}
