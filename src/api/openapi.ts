import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteTable } from './route-kit';

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: RouteTable, serverUrl: string): object {
  return new OpenApiGeneratorV31(routes.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Alpes Partners payments API',
      version: '1.0.0',
      description:
        'Partner commission payouts as durable Temporal workflows. Amounts are integer minor units of an ISO-4217 ' +
        'currency. Errors are RFC 9457 problem+json. Authenticate with `Authorization: Bearer <API key>`.',
    },
    // Not internal: partner keys (the partner portal) call it too.
    servers: [{ url: serverUrl, 'x-internal': false }],
    security: [{ apiKey: [] }],
  });
}
