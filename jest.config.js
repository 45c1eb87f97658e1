/** Two projects: `unit` needs nothing; `integration` gets a real Temporal dev server and database from globalSetup. */
const transform = {
  // ignoreDynamic keeps `await import()` for ESM-only packages (jest runs with --experimental-vm-modules).
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs', ignoreDynamic: true },
    },
  ],
};

module.exports = {
  // Read from the root only: jest-circus ignores a per-project testTimeout.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/src/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.itest.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
