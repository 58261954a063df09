import { expect, test } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { e2eEnv, fakeMicArgs } from './support/stack-env';
import { manageUser } from './support/users';

// axe-core (WCAG 2.1 AA, light and dark scheme) on every page and state of the app: sign-in,
// server unreachable, call setup, in a call (transcript, devices), after hang-up, history,
// a saved conversation, an unknown route. Zero violations.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const USER = 'e2e-a11y';
const PASSWORD = 'a11y correct horse battery';

test('sign-in and a server that cannot be reached have no accessibility violations', async ({ page }) => {
  manageUser('add', USER, PASSWORD);
  try {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expectAccessible(page, 'sign-in form');

    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
    await expectAccessible(page, 'sign-in refused');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expectAccessible(page, 'signed in, call setup');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await expect(page.getByText('No conversations yet.')).toBeVisible();
    await expectAccessible(page, 'signed in, empty history');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  } finally {
    manageUser('delete', USER);
  }

  await page.route('**/api/auth/session', (route) => route.abort('connectionrefused'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('Could not reach the server');
  await expectAccessible(page, 'server unreachable');
});

test('a call, its history and an unknown page have no accessibility violations', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  const persona = page.getByRole('combobox', { name: 'Persona' });
  await expect(persona.locator('option')).not.toHaveCount(0);
  await expectAccessible(page, 'call setup');

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);
  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(agentLines.first()).not.toBeEmpty(); // the greeting
  const before = await agentLines.count();
  await page.getByRole('textbox', { name: 'Message' }).fill('What is the capital of France?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(agentLines).toHaveCount(before + 1, { timeout: 120_000 });
  await expect(page.getByTestId('agent-state')).toHaveText('listening', { timeout: 60_000 });
  await expectAccessible(page, 'in a call, after a typed turn');

  await page.getByRole('button', { name: 'Devices' }).click();
  await expect(page.getByRole('combobox', { name: 'Microphone' })).toBeVisible();
  await expectAccessible(page, 'in a call, device pickers open');

  await page.getByRole('button', { name: 'Mute microphone' }).click();
  await expectAccessible(page, 'in a call, muted');

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('agent-state')).toHaveText('disconnected');
  const saved = page.getByRole('link', { name: 'Open this conversation in History' });
  await expect(saved).toBeVisible({ timeout: 10_000 });
  await expectAccessible(page, 'after hang-up');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByTestId('history-item').first()).toBeVisible();
  await expectAccessible(page, 'history list');

  await page.getByTestId('history-item').first().getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Saved transcript' })).toBeVisible();
  await expectAccessible(page, 'a saved conversation');

  await page.goto('/#/no-such-page');
  await expect(page.getByRole('alert')).toContainText('Nothing at /no-such-page');
  await expectAccessible(page, 'unknown page');
});
