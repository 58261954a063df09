import { expect, test } from '@playwright/test';
import { manageUser } from './support/users';

// Once a user exists the backend asks for a sign-in (HttpOnly session cookie). The user is
// deleted afterwards, which puts the stack back in the local no-login mode the other specs use.
const USER = 'e2e-reader';
const PASSWORD = 'correct horse battery staple';

test.beforeAll(() => manageUser('add', USER, PASSWORD));
test.afterAll(() => manageUser('delete', USER));

test('sign-in is asked for, refuses a wrong password, and signs in and out', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    // The refused password is a 401 the browser logs as a failed resource load; expected here.
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) consoleErrors.push(msg.text());
  });
  await page.goto('/');

  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toHaveCount(0);

  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeVisible();
  await expect(page.getByText(USER, { exact: true })).toBeVisible();

  // The session survives a reload (cookie), and this user's history is their own: empty.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByText('No conversations yet.')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});
