import { z } from './zod-openapi';
import { dateTime } from './common.schemas';
import type { StreamTokenIssuer } from '../ports/credentials.port';
import { ProblemError } from '../shared/http/problem';
import type { RouteTable } from './route-kit';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

export interface SystemRoutesDeps {
  wsTokens: StreamTokenIssuer;
  probes: ReadinessProbe[];
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);

export function systemRoutes(routes: RouteTable, deps: SystemRoutesDeps): void {
  // `/health` is the original system's path; `/healthz` the usual one.
  for (const [path, summary] of [
    ['/healthz', 'Liveness'],
    ['/health', 'Liveness (original contract)'],
  ] as const) {
    routes.add({
      method: 'get',
      path,
      summary,
      tag: 'System',
      roles: 'public',
      responses: { 200: { description: 'The process is up', schema: z.object({ status: z.literal('up') }) } },
      handler: ({ res }) => void res.json({ status: 'up' }),
    });
  }

  routes.add({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal and the database are reachable',
    tag: 'System',
    roles: 'public',
    responses: {
      200: {
        description: 'Ready',
        schema: z.object({
          status: z.literal('ready'),
          checks: z
            .record(z.string(), z.enum(['ok', 'unreachable']))
            .openapi({ description: 'per dependency' }),
        }),
      },
    },
    handler: async ({ res }) => {
      const results = await Promise.all(
        deps.probes.map(async (p) => {
          try {
            await within(p.check(), 2_000);
            return [p.name, 'ok'] as const;
          } catch {
            return [p.name, 'unreachable'] as const;
          }
        }),
      );
      const checks = Object.fromEntries(results);
      if (results.some(([, r]) => r !== 'ok')) {
        throw new ProblemError(
          503,
          'Not ready',
          'a dependency is unreachable',
          { checks },
          { 'Retry-After': '5' },
        );
      }
      res.json({ status: 'ready', checks });
    },
  });

  routes.add({
    method: 'post',
    path: '/auth/ws-token',
    summary: 'Issue a short-lived token for the live event stream',
    tag: 'System',
    roles: ['operator', 'viewer', 'partner'],
    // A read credential for the stream, issued many times a session: noise, not a change.
    audit: false,
    responses: {
      200: {
        description: 'Pass it as `ws://HOST:5678/ws?token=…`',
        schema: z
          .object({
            // The stream refuses longer tokens before looking at them (WsTokens.verify).
            token: z
              .string()
              .max(2000)
              .regex(/^[\w-]+\.[\w-]+$/),
            expiresAt: dateTime(),
          })
          .openapi('WsToken'),
      },
    },
    handler: ({ principal, res }) => void res.json(deps.wsTokens.issue(principal!)),
  });
}
