import { expect, test } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

// Every call the agent worker can take is held by callers that asked for a token (each token
// for a new room holds one call until an agent joins it, or for the join timeout).
test('a caller beyond capacity is told at once that every agent is busy, and can retry', async ({ page }) => {
  await page.goto('/');
  let held = 0;
  for (; held < 16; held++) {
    const response = await page.request.post('/api/token', { data: {} });
    if (response.status() === 503) {
      expect(response.headers()['retry-after']).toMatch(/^\d+$/);
      break;
    }
    expect(response.status()).toBe(200);
  }
  expect(held, 'the worker takes at least one call, and not unlimited ones').toBeGreaterThan(0);
  expect(held).toBeLessThan(16);

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('All agents are busy: try again in a few seconds.');
  await expect(page.getByRole('button', { name: 'Retry' })).toBeEnabled();
  await expect(page.getByTestId('agent-state')).not.toHaveText(/^(listening|speaking)$/);

  // once the held calls lapse (nobody joined them), Retry gets the caller an agent
  await expect(async () => {
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/, { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Disconnect' }).click();
});
