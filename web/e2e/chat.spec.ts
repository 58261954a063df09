import { expect, test } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A silent microphone: this test talks to the agent by typing only.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

test('a typed chat message gets a reply from the agent', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);

  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(agentLines.first()).not.toBeEmpty(); // the greeting
  const before = await agentLines.count();

  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('What is the capital of France?');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(transcript.getByTestId('msg-user').filter({ hasText: 'What is the capital of France?' })).toBeVisible();
  await expect(agentLines).toHaveCount(before + 1);
  await expect(agentLines.nth(before)).toContainText(/paris/i);
  await expect(box).toHaveValue('');
  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});
