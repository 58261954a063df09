import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A silent microphone: this test attaches files and types. The agent's default limit is
// AGENT_FILES__MAX_BYTES = 2,000,000 bytes a file.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const NOTES = 'Team notes, week 12.\nThe office wifi password is heron-42.\nLunch is at noon.\n';

async function startCall(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);
  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(agentLines.first()).not.toBeEmpty(); // the greeting
  return { transcript, agentLines };
}

test('the agent answers from a text file the user attached', async ({ page }) => {
  const { transcript, agentLines } = await startCall(page);
  const before = await agentLines.count();

  await page.getByTestId('attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTES) });
  const attachment = transcript.getByTestId('msg-user').filter({ hasText: 'notes.txt' });
  await expect(attachment).toContainText(`notes.txt (${NOTES.length} bytes)`);
  await expect(attachment).toContainText('heron-42'); // the preview
  await expect(agentLines.nth(before)).toHaveText("Assistant: I've read notes.txt.");
  await expectAccessible(page, 'a file in the transcript');

  await page.getByRole('textbox', { name: 'Message' }).fill('What is the office wifi password?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(agentLines.nth(before + 1)).toContainText(/heron-42/i);
});

test('an oversized file gets the agent’s clear message', async ({ page }) => {
  const { transcript, agentLines } = await startCall(page);
  const before = await agentLines.count();

  const big = Buffer.alloc(2_100_000, 'x');
  await page.getByTestId('attach-input').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
  await expect(transcript.getByTestId('msg-user').filter({ hasText: 'big.txt' })).toContainText('big.txt (2.1 MB)');
  await expect(agentLines.nth(before)).toHaveText('Assistant: big.txt is too large for me. Please send files under 2,000,000 bytes.');
});
