import { expect, test } from '@playwright/test';
import { agentAudioPeakSince, pageNow, watchAgentAudio } from './support/page-audio';

// One spoken turn through the real stack: the fake microphone plays a Piper-voiced question
// after 3 s of silence; the page must show the user's words, the agent's answer, and play
// the agent's audio for that answer (not only its greeting).
test('a spoken question gets a transcribed, answered and audible reply', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await watchAgentAudio(page);
  await page.goto('/');

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const state = page.getByTestId('agent-state');
  await expect(state).toHaveText(/^(listening|thinking|speaking)$/);

  const transcript = page.getByRole('list', { name: 'Transcript' });
  const userLine = transcript.getByTestId('msg-user').filter({ hasText: /capital/i });
  await expect(userLine).toContainText(/France/i);
  const asked = await pageNow(page); // the greeting started before this: its audio won't count
  console.log(`user transcript: ${await userLine.first().innerText()}`);

  // the greeting is the first agent line; the answer follows the user's question
  const reply = transcript.getByTestId('msg-agent').filter({ hasText: /paris/i });
  await expect(reply.first()).toBeVisible();
  console.log(`agent reply: ${await reply.first().innerText()}`);

  await expect.poll(() => agentAudioPeakSince(page, asked), { timeout: 30_000 }).toBeGreaterThan(0.05);

  // the latency panel: the agent's figures for this turn, and what the browser measured
  const row = page.locator('[data-testid="latency-row"][data-turn]').first();
  await expect(row.getByTestId('latency-e2e-ms')).toHaveText(/^\d+$/);
  await expect(row.getByTestId('latency-browser-ms')).toHaveText(/^\d+$/);
  console.log(`latency row: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
  await page.screenshot({ path: 'test-results/screenshots/call-view.png', fullPage: true });

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(state).toHaveText('disconnected');
  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});
