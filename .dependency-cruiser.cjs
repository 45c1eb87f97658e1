/**
 * Layer rules, checked in CI (`npm run lint`). The house, bottom up:
 *   shared/  neutral helpers (problem+json, logger, process lifecycle, database connection, env parsers)
 *   domain/  pure business rules
 *   ports/   application ports: what api, ui and activities need, declared once, implemented by infra
 *   activities/, workflows/  use cases on Temporal
 *   infra/   adapters implementing domain and application ports
 *   api/, ui/  the HTTP edge and the live screen (ui/server: Node; ui/dashboard: the browser bundle,
 *              which imports only itself, ui/stream-protocol.ts, domain/ and api/contract/)
 *   processes/  composition: the only code that imports from every layer
 *   sandbox-bank/  another system (a stand-in payout provider): ours only through HTTP
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'src/domain imports nothing outside itself (no frameworks, no other layers), except ibantools: a pure, maintained IBAN/BIC check the domain must not hand-write.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: ['^src/domain', '(^|/)node_modules/ibantools/'] },
    },
    {
      name: 'shared-is-neutral',
      comment: 'src/shared is used by our layers and by the sandbox bank alike, so it knows neither.',
      severity: 'error',
      from: { path: '^src/shared' },
      to: { path: '^src/', pathNot: '^src/shared' },
    },
    {
      name: 'ports-are-declarations',
      comment: 'Application ports speak in domain terms only; adapters implement them, never the reverse.',
      severity: 'error',
      from: { path: '^src/ports' },
      to: { path: '^src/', pathNot: '^src/(ports|domain)' },
    },
    {
      name: 'workflows-import-activities-as-types-only',
      comment: 'Workflow bundles must not contain activity code: import activities with `import type`.',
      severity: 'error',
      from: { path: '^src/workflows' },
      to: { path: '^src/activities', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-are-deterministic',
      comment: 'Workflows may not reach adapters, servers, neutral runtime helpers or Node built-ins.',
      severity: 'error',
      from: { path: '^src/workflows' },
      to: { path: '^src/(infra|api|ui|processes|shared|sandbox-bank)' },
    },
    {
      name: 'pure-layers-use-no-node-builtins',
      severity: 'error',
      from: { path: '^src/(workflows|domain|ports)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'activities-take-ports-not-adapters',
      comment: 'Activities are factories over ports: no adapter, server or workflow code inside them.',
      severity: 'error',
      from: { path: '^src/activities' },
      to: { path: '^src/(infra|api|ui|processes|workflows|sandbox-bank)' },
    },
    {
      name: 'infra-knows-nothing-above-it',
      comment:
        'Adapters implement ports. Typed Temporal clients may import workflow messages (see clients-know-workflows-by-their-messages), nothing else above.',
      severity: 'error',
      from: { path: '^src/infra' },
      to: { path: '^src/(api|ui|activities|processes|sandbox-bank)' },
    },
    {
      name: 'clients-know-workflows-by-their-messages',
      comment:
        "A workflow's clients import its messages (<name>.messages.ts: signals, queries, updates, input and result types), the workflow ids and the search attributes, never workflow code: that is loaded by the workers' bundles only, and clients start workflows by type name.",
      severity: 'error',
      from: { path: '^src/(infra|api|ui)' },
      to: {
        path: '^src/workflows/',
        pathNot: '^src/workflows/([^/]+[.]messages|workflow-ids|search-attributes)[.]ts$',
      },
    },
    {
      name: 'edge-does-not-run-use-cases',
      severity: 'error',
      from: { path: '^src/(api|ui)' },
      to: { path: '^src/(activities|processes|sandbox-bank)' },
    },
    {
      name: 'dashboard-imports-only-itself-protocol-domain-contract',
      comment:
        "The dashboard (a browser bundle) imports only itself, the stream protocol, the pure domain and the API contract (the types of its answers): no server code, ours or the UI server's, reaches the bundle.",
      severity: 'error',
      from: { path: '^src/ui/dashboard/' },
      to: {
        path: '^src/',
        pathNot: '^src/(ui/dashboard/|ui/stream-protocol[.]ts$|domain/|api/contract/)',
      },
    },
    {
      name: 'api-contract-is-types',
      comment:
        'The contract infers its types from the route schemas and imports them as types only, so a bundle carries no zod; its values come from the pure domain only (the status list, the settlement period rules).',
      severity: 'error',
      from: { path: '^src/api/contract/' },
      to: {
        path: '^src/',
        pathNot: '^src/(api/contract/|domain/(payment-status|settlement-period|domain-error)[.]ts$)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'api-uses-ports-not-adapters',
      comment:
        'Routes parse, authorise, call a use case and map its result: adapters reach them only through ports, wired in src/processes.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/infra/' },
    },
    {
      name: 'only-use-cases-open-units-of-work',
      comment:
        'A transaction is a use case: only src/application (and the activities, use cases on Temporal) open one; infra implements it and src/processes wires it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(application|activities|infra|processes|ports)/' },
      to: { path: '^src/ports/unit-of-work[.]port[.]ts$' },
    },
    {
      name: 'sandbox-bank-is-another-system',
      comment:
        'The stand-in bank shares only the neutral helpers with us; our payout adapter knows its HTTP contract.',
      severity: 'error',
      from: { path: '^src/sandbox-bank' },
      to: { path: '^src/', pathNot: '^src/(sandbox-bank|shared)' },
    },
    {
      name: 'only-processes-compose',
      comment: 'Nothing imports the composition root.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/processes' },
      to: { path: '^src/processes' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only ones included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
