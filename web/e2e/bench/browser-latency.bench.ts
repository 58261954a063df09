import fs from 'node:fs';
import { test } from '@playwright/test';
import { benchEnv } from './bench-env';
import { collectSnapshot, installProbes, type Snapshot } from './page-probes';

// One call through the real page for bench/latency/browser.py: the fake microphone plays the
// bench's questions (other voices than the agent's), and every `pollMs` this records the
// latency panel's rows (the page's own "You felt" figure beside the agent's), the agent
// audio's receive stats (jitter buffer, playout) and the page's timer lag. The Python side
// turns the timeline into the table; this file only watches.
test('browser voice-to-voice latency', async ({ page }) => {
  test.setTimeout((benchEnv.durationS + 120) * 1000);
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await installProbes(page, benchEnv.jitterTargetMs);
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const connectedAt = Date.now();

  const timeline: Snapshot[] = [];
  const deadline = connectedAt + benchEnv.durationS * 1000;
  while (Date.now() < deadline) {
    timeline.push(await collectSnapshot(page));
    await page.waitForTimeout(benchEnv.pollMs);
  }
  timeline.push(await collectSnapshot(page));

  // the agent's stored figures (end of turn wait among them) for this call's messages
  const messages = await page.evaluate(async () => {
    const raw = sessionStorage.getItem('va.call');
    if (!raw) return null;
    const { conversationId } = JSON.parse(raw) as { conversationId: string };
    const response = await fetch(`/api/conversations/${conversationId}/messages?limit=200`);
    return response.ok ? ((await response.json()) as unknown) : null;
  });
  await page.getByRole('button', { name: 'Disconnect' }).click();

  fs.writeFileSync(
    benchEnv.out,
    JSON.stringify({ connectedAt, timeline, messages, consoleErrors }, null, 1),
  );
});
