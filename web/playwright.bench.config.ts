import { defineConfig } from '@playwright/test';
import { benchEnv } from './e2e/bench/bench-env';
import { e2eEnv, fakeMicArgs } from './e2e/support/stack-env';

// The browser latency bench (make bench-browser): bench/latency/browser.py starts the stack
// on the bench's ports and the WAV, then runs this config; no global setup of its own.
export default defineConfig({
  testDir: './e2e/bench',
  testMatch: '*.bench.ts',
  outputDir: './test-results/bench',
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: benchEnv.baseURL,
    trace: 'off',
    launchOptions: {
      executablePath: e2eEnv.chromium,
      args: fakeMicArgs(benchEnv.wav),
    },
  },
});
