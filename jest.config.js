/**
 * Three projects: `unit` (pure logic beside the code), `integration` (the library against the real
 * broker and databases) and `e2e` (whole apps, child processes, faults). The Kafka broker and the
 * databases are prepared once per run by the global setup.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const moduleNameMapper = {
  '^@reliable-kafka/nestjs$': '<rootDir>/libs/reliable-kafka/src',
  '^@reliable-kafka/nestjs/(.*)$': '<rootDir>/libs/reliable-kafka/src/$1',
};
const common = { rootDir: __dirname, testEnvironment: 'node', transform, moduleNameMapper };

// Set per project so that a unit-only run starts nothing; the setup is idempotent within a run.
const services = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  testTimeout: 180_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
      ],
    },
    {
      ...common,
      ...services,
      displayName: 'integration',
      testMatch: ['<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
    },
    { ...common, ...services, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
