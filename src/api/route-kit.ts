import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import { z } from './zod-openapi';
import type { AuditStamp } from '../ports/audit.port';
import type { Principal, Role } from '../ports/principal';
import { PROBLEM_LIMITS, ProblemError } from '../shared/http/problem';
import { URL_MAX_LENGTH } from './common.schemas';
import { RATE_LIMIT_HEADER_OBJECTS } from './rate-limit-headers';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Headers the route sets on this answer, by name → what it says; see RESPONSE_HEADERS. */
  headers?: Partial<Record<ResponseHeader, string>>;
}

/**
 * The headers routes may declare on their answers, with their schemas. Every answer also carries
 * the rate-limit and CORS headers (see `document`), which are not declared per route.
 */
const RESPONSE_HEADERS = {
  Location: { type: 'string', format: 'uri-reference', maxLength: URL_MAX_LENGTH },
  'Idempotent-Replay': { type: 'string', enum: ['true'] },
} as const;
export type ResponseHeader = keyof typeof RESPONSE_HEADERS;

/** A body the handler reads from the request stream itself (no JSON parsing), e.g. a CSV upload. */
export interface RawBodySpec {
  /** Accepted media types (parameters aside); any other content type is 415 before the handler. */
  mediaTypes: readonly string[];
  description: string;
  /** The longest body the handler takes in (its row and record limits), for the document. */
  maxLength: number;
  /** An example per media type, for the OpenAPI document. */
  examples?: Readonly<Record<string, string>>;
}

/**
 * One declaration per route: its schemas validate the request, shape the OpenAPI document and
 * decide who may call it. There is no second, hand-kept copy of the contract.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express style, e.g. `/payments/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it; `public` needs no key. */
  roles: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /**
   * A JSON body documented like `body` but validated by the handler (from `req.body`): a batch
   * answers every failing item at once rather than the first schema error. Not with `body`.
   */
  handlerValidatedBody?: z.ZodType;
  /** JSON body limit for this route when the API-wide BODY_LIMIT is too small (e.g. batches). */
  bodyLimit?: string;
  /** The handler streams the body itself in one of these media types; not with `body`. */
  rawBody?: RawBodySpec;
  /** Headers the route reads, documented in OpenAPI. */
  headers?: z.ZodObject;
  responses: Record<number, ResponseSpec>;
  /**
   * The audit log's view of the route (see audit.ts): every non-GET route is audited under a name
   * derived from its method and path unless it says otherwise here; `false` for calls that change
   * nothing (codec, stream tokens).
   */
  audit?: false | AuditSpec;
  handler: (ctx: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    principal: Principal | undefined;
    /** For a use case that writes its audit entry in its own transaction (see AuditStamp). */
    audit: AuditStamp | undefined;
    req: Request;
    res: Response;
  }) => Promise<unknown> | unknown;
}

/** Set on `res.locals` by the audit trail: a stamp for the route's answer when it succeeds. */
export type AuditStampMaker = (successStatus: number) => AuditStamp | undefined;

/** How a route appears in the audit log when the derived name is not the right one. */
export interface AuditSpec {
  /** e.g. `settlement.start`; derived from method and path when absent. */
  action?: string;
  /** e.g. `payment`; the path's first segment, singular, when absent. */
  targetType?: string;
}

/** What the route table tells the audit middleware about the route a request reached. */
export interface AuditedRoute {
  method: Method;
  path: string;
  audit: false | AuditSpec | undefined;
  params: Record<string, string>;
}

export const principalOf = (res: Response): Principal | undefined =>
  res.locals.principal as Principal | undefined;

/** The bounds are what the problem middleware cuts bodies to (PROBLEM_LIMITS). */
export const problemSchema = z
  .object({
    type: z.string().max(200).openapi({ format: 'uri' }),
    title: z.string().max(PROBLEM_LIMITS.title),
    status: z.number().int().min(400).max(599).openapi({ format: 'int32' }),
    detail: z.string().max(PROBLEM_LIMITS.detail).optional(),
    instance: z.string().max(PROBLEM_LIMITS.instance).optional().openapi({ description: 'the request path' }),
    code: z.string().max(PROBLEM_LIMITS.code).optional(),
    errors: z
      .array(
        z.object({
          field: z.string().max(PROBLEM_LIMITS.errorText),
          message: z.string().max(PROBLEM_LIMITS.errorText),
        }),
      )
      .max(PROBLEM_LIMITS.errors)
      .optional(),
  })
  .openapi('Problem');

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (the failing fields are listed in `errors`)',
  401: 'Missing or invalid API key',
  403: 'The key’s role may not do this',
  404: 'Not found',
  409: 'Refused by a business rule in the current state (`code`)',
  413: 'Body too large',
  415: 'Body must be application/json',
  422: 'Well-formed but refused (`code`)',
  429: 'Rate limited (see `Retry-After`)',
  503: 'Temporal or the database is unreachable (see `Retry-After`)',
};

/**
 * Headers on every answer of a route, declared once as components: the rate-limit fields (the
 * limiter runs before every route), the CORS origin, and `Retry-After` where the answer says to
 * wait (429; 503 from an unreachable dependency).
 */
const EVERY_ANSWER_HEADERS = {
  ...RATE_LIMIT_HEADER_OBJECTS,
  'Access-Control-Allow-Origin': {
    description:
      'The request’s `Origin`, echoed when it is one of CORS_ORIGINS (with `Access-Control-Allow-Credentials: ' +
      'true`); absent for any other origin. Never `*`.',
    required: false,
    schema: { type: 'string' as const, format: 'uri', maxLength: URL_MAX_LENGTH },
  },
};

const ref = (name: keyof typeof EVERY_ANSWER_HEADERS) => ({ $ref: `#/components/headers/${name}` });

function answerHeaders(status: number): Record<string, { $ref: string }> {
  return {
    'RateLimit-Policy': ref('RateLimit-Policy'),
    RateLimit: ref('RateLimit'),
    'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
    ...(status === 429 || status === 503 ? { 'Retry-After': ref('Retry-After') } : {}),
  };
}

/** How body handling before the router treats one route (see `RouteTable.bodyRule`). */
export interface BodyRule {
  /** JSON limit; undefined means the API-wide one. */
  bodyLimit?: string;
  /** Set for routes that stream their body: only these media types are accepted, none is parsed. */
  rawMediaTypes?: readonly string[];
}

/** Matches request paths as the router does: `:param` is one segment, a trailing slash is optional, any case. */
export const routePattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`, 'i');

export class RouteTable {
  readonly registry = new OpenAPIRegistry();
  readonly router = Router();
  private readonly declared: Array<{ method: Method; path: string }> = [];
  private readonly bodyRules: Array<{ method: string; pattern: RegExp; rule: BodyRule }> = [];

  constructor() {
    this.registry.registerComponent('securitySchemes', 'apiKey', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from ALPES_API_KEYS (or the local admin key printed by `make start`).',
    });
    for (const [name, header] of Object.entries(EVERY_ANSWER_HEADERS))
      this.registry.registerComponent('headers', name, header);
  }

  /** Every declared (method, path) pair, for 405 answers and the route-coverage test. */
  routes(): ReadonlyArray<{ method: Method; path: string }> {
    return this.declared;
  }

  /**
   * The body rule of the route a request will reach (the first declared match, as the router
   * picks it), so body checks and parsers that run before the router can honour it.
   */
  bodyRule(method: string, path: string): BodyRule | undefined {
    const upper = method.toUpperCase();
    return this.bodyRules.find((r) => r.method === upper && r.pattern.test(path))?.rule;
  }

  add<
    P extends z.ZodType = z.ZodUndefined,
    Q extends z.ZodType = z.ZodUndefined,
    B extends z.ZodType = z.ZodUndefined,
  >(spec: RouteSpec<P, Q, B>): void {
    this.declared.push({ method: spec.method, path: spec.path });
    this.bodyRules.push({
      method: spec.method.toUpperCase(),
      pattern: routePattern(spec.path),
      rule: { bodyLimit: spec.bodyLimit, rawMediaTypes: spec.rawBody?.mediaTypes },
    });
    this.document(spec);
    const successStatus =
      Object.keys(spec.responses)
        .map(Number)
        .find((s) => s >= 200 && s < 300) ?? 200;
    this.router[spec.method](spec.path, async (req, res) => {
      // Before any check, so refusals (403, 400) are audited too.
      const audited: AuditedRoute = {
        method: spec.method,
        path: spec.path,
        audit: spec.audit,
        params: { ...(req.params as Record<string, string>) },
      };
      res.locals.auditedRoute = audited;
      const principal = principalOf(res);
      if (spec.roles !== 'public') {
        if (!principal)
          throw new ProblemError(
            401,
            'Unauthorized',
            'an API key is required',
            {},
            { 'WWW-Authenticate': 'Bearer' },
          );
        if (!spec.roles.includes(principal.role) && principal.role !== 'admin') {
          throw new ProblemError(
            403,
            'Forbidden',
            `the ${principal.role} role may not ${spec.summary.toLowerCase()}`,
          );
        }
      }
      const ctx = {
        params: (spec.params ? spec.params.parse(req.params) : undefined) as z.output<P>,
        query: (spec.query ? spec.query.parse(req.query) : undefined) as z.output<Q>,
        body: (spec.body ? spec.body.parse(req.body ?? undefined) : undefined) as z.output<B>,
        principal,
        audit: (res.locals.makeAuditStamp as AuditStampMaker | undefined)?.(successStatus),
        req,
        res,
      };
      await spec.handler(ctx);
    });
  }

  private document(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): void {
    const responses: Record<string, object> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = {
        description: r.description,
        headers: {
          ...answerHeaders(Number(status)),
          ...Object.fromEntries(
            Object.entries(r.headers ?? {}).map(([h, d]) => [
              h,
              { description: d, schema: RESPONSE_HEADERS[h as ResponseHeader] },
            ]),
          ),
        },
        ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
      };
    }
    const errorStatuses = [400, 404, 409, 413, 415, 422, 429, 503].filter((s) => !(s in spec.responses));
    if (spec.roles !== 'public') errorStatuses.push(401, 403);
    for (const status of errorStatuses) {
      responses[String(status)] = {
        description:
          status === 415 && spec.rawBody
            ? `Body must be ${spec.rawBody.mediaTypes.join(' or ')}`
            : ERROR_DESCRIPTIONS[status]!,
        headers: answerHeaders(status),
        content: { 'application/problem+json': { schema: problemSchema } },
      };
    }
    const jsonBody = spec.body ?? spec.handlerValidatedBody;
    this.registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.roles === 'public'
        ? { security: [] }
        : {
            security: [{ apiKey: [] }],
            description: `Roles: ${['admin', ...spec.roles.filter((r) => r !== 'admin')].join(', ')}.`,
          }),
      request: {
        ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
        ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
        ...(spec.headers ? { headers: spec.headers } : {}),
        ...(jsonBody
          ? {
              body: {
                content: { 'application/json': { schema: jsonBody } },
                required: !jsonBody.safeParse(undefined).success,
              },
            }
          : {}),
        ...(spec.rawBody
          ? {
              body: {
                description: spec.rawBody.description,
                required: true,
                content: Object.fromEntries(
                  spec.rawBody.mediaTypes.map((type) => [
                    type,
                    {
                      schema: { type: 'string' as const, maxLength: spec.rawBody!.maxLength },
                      ...(spec.rawBody?.examples?.[type] ? { example: spec.rawBody.examples[type] } : {}),
                    },
                  ]),
                ),
              },
            }
          : {}),
      },
      responses,
    });
  }
}
