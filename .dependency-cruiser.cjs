/** Layer rules, checked in CI (`npm run lint`). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing outside itself (no frameworks, no other layers).',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
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
      comment: 'Workflows may not reach adapters, servers, or Node built-ins.',
      severity: 'error',
      from: { path: '^src/workflows' },
      to: { path: '^src/(infra|api|ui|processes)' },
    },
    {
      name: 'pure-layers-use-no-node-builtins',
      severity: 'error',
      from: { path: '^src/(workflows|domain)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'activities-do-not-reach-servers',
      severity: 'error',
      from: { path: '^src/activities' },
      to: { path: '^src/(api|ui|processes|workflows)' },
    },
    {
      name: 'api-does-not-run-activities',
      severity: 'error',
      from: { path: '^src/(api|ui)' },
      to: { path: '^src/(activities|processes)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
