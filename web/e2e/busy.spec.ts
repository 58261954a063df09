import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

// Every call the agent worker can take is held by callers that asked for a token (each token
// for a new room holds one call until an agent joins it, or for the join timeout).
test('a caller beyond capacity is told at once that every agent is busy, and can retry', async ({ page }) => {
  await page.goto('/');
  const held: string[] = [];
  // A call of an earlier test may still be ending: its place comes free at the worker's next
  // report (every 2.5 s). So fill again after a report's time, until a round adds none.
  for (let added = -1; added !== 0 && held.length < 16; ) {
    added = 0;
    while (held.length < 16) {
      const response = await page.request.post('/api/token', { data: {} });
      if (response.status() === 503) {
        expect(response.headers()['retry-after']).toMatch(/^\d+$/);
        break;
      }
      expect(response.status()).toBe(200);
      held.push(((await response.json()) as { room_name: string }).room_name);
      added += 1;
    }
    if (added > 0) await page.waitForTimeout(3000);
  }
  expect(held.length, 'the worker takes at least one call, and not unlimited ones').toBeGreaterThan(0);
  expect(held.length).toBeLessThan(16);

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('All agents are busy: try again in a few seconds.');
  await expect(page.getByRole('button', { name: 'Retry' })).toBeEnabled();
  await expectAccessible(page, 'all agents busy');
  await expect(page.getByTestId('agent-state')).not.toHaveText(/^(listening|speaking)$/);

  // deleting the held conversations frees their calls at once (unjoined, they would lapse by
  // themselves in a few seconds), and Retry gets the caller an agent
  const listed = await page.request.get('/api/conversations?limit=50');
  const items = ((await listed.json()) as { items: { id: string; room_name: string }[] }).items;
  for (const { id } of items.filter((c) => held.includes(c.room_name))) {
    expect((await page.request.delete(`/api/conversations/${id}`)).status()).toBe(204);
  }
  await expect(async () => {
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Disconnect' }).click();
});
