import { expect, test, type Page } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// The whole product at phone width against the real stack: two spoken turns from the fake
// microphone, a typed turn, camera on and off, mute and unmute, hang up, then the history
// lists the conversation with its transcript and per-turn figures.
test.use({
  viewport: { width: 390, height: 844 },
  launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.twoQuestionsWav) },
});

const REPLY_TIMEOUT = 120_000;

function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

test('a two-turn spoken conversation, a typed turn, mute, hang-up, then its history', async ({ page }) => {
  test.setTimeout(420_000);
  const consoleErrors = collectConsoleErrors(page);
  await page.goto('/');

  // Before the call: persona and voice come from the backend's /api/options.
  const persona = page.getByRole('combobox', { name: 'Persona' });
  const voice = page.getByRole('combobox', { name: 'Voice' });
  await expect(persona.locator('option')).not.toHaveCount(0);
  await expect(voice.locator('option')).not.toHaveCount(0);
  const chosenPersona = await persona.inputValue();
  expect(chosenPersona).not.toBe('');

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|thinking|speaking)$/);
  await expect(page.getByTestId('connection-quality')).toBeVisible();

  // Two spoken turns.
  const transcript = page.getByRole('list', { name: 'Transcript' });
  const userLines = transcript.getByTestId('msg-user');
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(userLines.filter({ hasText: /france/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  await expect(agentLines.filter({ hasText: /paris/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  await expect(userLines.filter({ hasText: /italy/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  await expect(agentLines.filter({ hasText: /rome/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  console.log(`spoken turns: ${(await transcript.innerText()).replace(/\s+/g, ' ')}`);

  // The latency panel must show figures for both spoken turns.
  const rows = page.locator('[data-testid="latency-row"][data-turn]:not([data-greeting])');
  const numeric = async (testId: string) =>
    (await rows.getByTestId(testId).allTextContents()).filter((text) => /^\d+$/.test(text)).length;
  await expect.poll(() => numeric('latency-e2e-ms'), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await expect.poll(() => numeric('latency-browser-ms'), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('latency-chart')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/conversation-call.png', fullPage: true });

  // Camera on shows a video tile; off removes it.
  const camera = page.getByRole('button', { name: 'Camera', exact: true });
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('video-tile')).toHaveCount(1);
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('video-tile')).toHaveCount(0);

  // The device pickers list the fake devices.
  await page.getByRole('button', { name: 'Devices' }).click();
  await expect(page.getByRole('combobox', { name: 'Microphone' }).locator('option')).not.toHaveCount(0);

  // A typed turn.
  const before = await agentLines.count();
  await page.getByRole('textbox', { name: 'Message' }).fill('What is the capital of Germany?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(userLines.filter({ hasText: 'What is the capital of Germany?' })).toBeVisible();
  await expect(agentLines).toHaveCount(before + 1, { timeout: REPLY_TIMEOUT });
  await expect(agentLines.nth(before)).toContainText(/berlin/i, { timeout: REPLY_TIMEOUT });

  // Mute and unmute.
  const mute = page.getByRole('button', { name: 'Mute microphone' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'false');

  // Hang up: the call page links to the saved conversation.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('agent-state')).toHaveText('disconnected');
  const saved = page.getByRole('link', { name: 'Open this conversation in History' });
  await expect(saved).toBeVisible({ timeout: 10_000 });
  const href = await saved.getAttribute('href');
  expect(href).toMatch(/^#\/history\/[0-9a-f-]{36}$/);

  // The history lists it, newest first.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  const item = page.getByTestId('history-item').first();
  await expect(item.getByRole('link')).toHaveAttribute('href', href!);
  await expect(item).toContainText(chosenPersona);
  await page.screenshot({ path: 'test-results/screenshots/history-list.png', fullPage: true });

  // Its transcript and per-turn figures (the agent saves turns as they end: reload until all are in).
  await item.getByRole('link').click();
  const savedTranscript = page.getByRole('list', { name: 'Saved transcript' });
  await expect(async () => {
    await page.reload();
    await expect(savedTranscript.getByTestId('saved-user')).toContainText([/france/i, /italy/i, /germany/i], {
      timeout: 5_000,
    });
    await expect(savedTranscript.getByTestId('saved-agent').filter({ hasText: /paris|rome|berlin/i })).toHaveCount(3, {
      timeout: 5_000,
    });
    await expect(savedTranscript.getByTestId('turn-figures').first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  const figureTexts = await savedTranscript.getByTestId('turn-figures').allInnerTexts();
  expect(figureTexts.join(' ')).toMatch(/\d/);
  console.log(`saved figures: ${figureTexts.map((text) => text.replace(/\s+/g, ' ')).join(' | ')}`);
  await page.screenshot({ path: 'test-results/screenshots/history-conversation.png', fullPage: true });

  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});
