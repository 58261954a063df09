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
  await page.screenshot({ path: 'test-results/screenshots/chat-attachment.png', fullPage: true });
});

test('an oversized file gets a clear message and is not sent', async ({ page }) => {
  const { transcript } = await startCall(page);

  // the page checks the agent's published limit (its files.max_bytes attribute) before
  // sending; the agent still refuses a larger file itself (agent/tests/test_file_sharing_integration.py)
  const big = Buffer.alloc(2_100_000, 'x');
  await page.getByTestId('attach-input').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
  const attachment = transcript.getByTestId('msg-user').filter({ hasText: 'big.txt' });
  await expect(attachment).toContainText('big.txt (2.1 MB)');
  await expect(attachment.getByRole('alert')).toHaveText('Not sent: big.txt is larger than the assistant takes (at most 2.0 MB).');
});
