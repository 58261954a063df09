import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A silent microphone: the call is typed. It is rated when the user hangs up, the History
// shows the rating, and the analytics page (the local user is an operator) shows it among a
// month of seeded calls: its screenshots (test-results/screenshots/) are docs/images/analytics.png
// and call-rating.png.
test.use({
  viewport: { width: 1280, height: 900 },
  launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) },
});

const SHOTS = 'test-results/screenshots';

function seedDemoCalls(): void {
  const database = `sqlite:///${path.join(e2eEnv.stateDir, 'backend.db')}`;
  const script = path.join(e2eEnv.repoRoot, 'scripts/seed_analytics_demo.py');
  const r = spawnSync(e2eEnv.python, [script, database], { cwd: e2eEnv.repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not seed the demo calls: ${r.stderr}`);
}

test('a call rated at hang-up, its rating in History, and the analytics page', async ({ page }) => {
  test.setTimeout(300_000);
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);
  const agentLines = page.getByRole('list', { name: 'Transcript' }).getByTestId('msg-agent');
  await expect(agentLines.first()).not.toBeEmpty(); // the greeting
  await page.getByRole('textbox', { name: 'Message' }).fill('What is the capital of France?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(agentLines.filter({ hasText: /paris/i })).toHaveCount(1);

  // Hang up: rate the call.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  const form = page.getByTestId('rating-form');
  await expect(form).toBeVisible({ timeout: 10_000 });
  await form.getByRole('button', { name: 'Thumbs up' }).click();
  await form.getByLabel('Comment (optional)').fill('Quick answer from the e2e call.');
  await form.getByRole('button', { name: 'Save rating' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved: thumbs up');
  await form.screenshot({ path: `${SHOTS}/call-rating.png` });

  // History: the rating is there, and can be changed.
  await page.getByRole('link', { name: 'Open this conversation in History' }).click();
  // (the call page stays mounted, hidden, with its own form)
  const stored = page.getByRole('region', { name: 'Conversation' }).getByTestId('rating-form');
  await expect(stored.getByRole('button', { name: 'Thumbs up' })).toHaveAttribute('aria-pressed', 'true');
  await expect(stored.getByLabel('Comment (optional)')).toHaveValue('Quick answer from the e2e call.');

  // Analytics over everyone's calls: a month of seeded ones and this one.
  seedDemoCalls();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page.getByRole('heading', { name: 'Analytics' })).toBeVisible();
  await expect(page.getByTestId('bar-chart')).toBeVisible();
  await expect(page.getByTestId('latency-line-chart')).toBeVisible();
  await expect(page.getByTestId('errors-chart')).toBeVisible();
  await expect(page.getByTestId('ratings-chart')).toContainText('up');
  // (first: the stack's database outlives a run, so a rerun finds earlier ones too)
  const comments = page.getByRole('list', { name: 'Comments' });
  await expect(comments.getByText('Quick answer from the e2e call.').first()).toBeVisible();
  const table = page.getByTestId('breakdown-table');
  await expect(table.getByRole('rowheader', { name: 'tutor' })).toBeVisible();
  await page.getByLabel('Breakdown by').selectOption('provider');
  await expect(table.getByRole('rowheader', { name: 'openai' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/analytics.png`, fullPage: true });

  // The CSV of the same table.
  const href = await page.getByRole('link', { name: 'Breakdown' }).getAttribute('href');
  const csv = await page.request.get(href!);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines[0]).toBe('key,conversations,avg_turns,avg_duration_s,interruptions,errors,fallbacks,replies,p50_ms,p95_ms,up,down');
  expect(lines.some((line) => line.startsWith('openai,'))).toBe(true);

  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});
