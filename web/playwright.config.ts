import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './e2e/support/stack-env';

// End-to-end tests against the real stack: livekit-server, backend, agent with the local
// models (started by global-setup on spare ports) and Debian's Chromium with a fake mic.
export default defineConfig({
  testDir: './e2e',
  testMatch: '*.spec.ts', // e2e/support's own unit tests (*.test.ts) run in vitest
  outputDir: './test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true, // a stray test.only would pass the run on one test
  globalSetup: path.resolve(import.meta.dirname, 'e2e/support/global-setup.ts'),
  reporter: [
    ['list'],
    ['junit', { outputFile: process.env.PLAYWRIGHT_JUNIT_OUTPUT_FILE ?? 'test-results/e2e-junit.xml' }],
    ['./e2e/support/stack-log-reporter.ts'], // a failed test's agent log, in the run's output
  ],
  use: {
    baseURL: e2eEnv.baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: e2eEnv.chromium,
      args: fakeMicArgs(e2eEnv.questionWav),
    },
  },
});
