// One jest run for the whole repository: unit tests beside each package and the
// end-to-end and reliability suites under test/. TypeScript is stripped by swc (fast,
// no type-check); `npm run typecheck` (part of `pretest`) type-checks sources and tests.
/** @type {import('jest').Config} */
module.exports = {
  // The node environment, with the main context's typed arrays shared so onnxruntime's
  // tensors pass its instanceof checks (see the file).
  testEnvironment: '<rootDir>/packages/tsfm/test/onnx-environment.js',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Tests import sibling packages from source, so a unit test never runs stale dist/.
  moduleNameMapper: {
    '^@chronotick/([a-z-]+)$': '<rootDir>/packages/$1/src',
    '^chronotickd$': '<rootDir>/packages/daemon/src',
  },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  // One suite at a time. The end-to-end suites measure microseconds against NTP
  // references on loopback with user-space timestamps; a fuzz or load suite running
  // beside them on this 2-core machine would be measured instead.
  maxWorkers: 1,
};
