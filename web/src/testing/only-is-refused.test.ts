/// <reference types="node" />
import { describe, expect, it } from 'vitest';
import playwrightConfig from '../../playwright.config';
import viteConfig from '../../vite.config';

// A stray `.only` would make a run pass on one test: both runners refuse it, on CI or not.
describe('test runner settings', () => {
  it('vitest refuses it.only', async () => {
    const config = typeof viteConfig === 'function' ? await viteConfig({ mode: 'test', command: 'serve' }) : viteConfig;
    expect(config.test?.allowOnly).toBe(false);
  });

  it('Playwright refuses test.only', () => {
    expect(playwrightConfig.forbidOnly).toBe(true);
  });
});
