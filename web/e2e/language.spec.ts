import { expect, test } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A call in German with the offline models: the picker turns the page German, the agent
// greets in German, hears a German question (multilingual Whisper base) and answers it; the
// saved call and the Analytics page are German too.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.germanQuestionWav) } });

const REPLY_TIMEOUT = 150_000;

test('a German call: German page, greeting, hearing and answer', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('de');
  await expect(page.getByRole('heading', { name: 'Sprachassistent' })).toBeVisible();

  await page.getByRole('button', { name: 'Verbinden', exact: true }).click();
  const transcript = page.getByRole('list', { name: 'Protokoll' }); // 'Transcript' in German
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(agentLines.first()).toContainText('Hallo! Wie kann ich Ihnen helfen?', { timeout: REPLY_TIMEOUT });

  // the pause after "Guten Morgen." may end a turn: the question is one of the user's lines
  const question = transcript.getByTestId('msg-user').filter({ hasText: /münchen/i });
  await expect(question).toBeVisible({ timeout: REPLY_TIMEOUT });
  // then an answer to it: the transcript ends with an agent line
  const last = transcript.locator('li').last();
  await expect(last).toHaveAttribute('data-testid', 'msg-agent', { timeout: REPLY_TIMEOUT });
  await expect(last).not.toBeEmpty();
  await expect(page.getByTestId('agent-state')).toHaveText('hört zu', { timeout: REPLY_TIMEOUT }); // 'listening'
  console.log(`German call: ${(await transcript.innerText()).replace(/\s+/g, ' ')}`);
  await page.screenshot({ path: 'test-results/screenshots/language-de.png', fullPage: true });
  await page.getByRole('button', { name: 'Auflegen' }).click();

  // the rest of the page follows: the rating at hang-up, the saved call, the Analytics page
  await expect(page.getByTestId('rating-form')).toContainText('Wie war dieser Anruf?');
  await page.getByRole('link', { name: 'Dieses Gespräch im Verlauf öffnen' }).click();
  const saved = page.getByRole('region', { name: 'Gespräch' });
  await expect(saved.getByRole('list', { name: 'Gespeichertes Protokoll' })).toBeVisible();
  await expect(saved.getByRole('button', { name: 'Als JSON exportieren' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Hauptmenü' }).getByRole('link', { name: 'Auswertung' }).click();
  await expect(page.getByRole('heading', { name: 'Auswertung' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Gespräche pro Tag' })).toBeVisible();
  await expect(page.getByLabel('Aufgeschlüsselt nach')).toBeVisible();
});
