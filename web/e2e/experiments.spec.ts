import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// An operator (the no-login mode's local user) creates an A/B experiment on the Experiments
// page and starts it; the next call lands in the user's variant (the same hash the backend
// uses) and the agent greets with that variant's persona greeting. One call. The experiment
// is stopped and deleted afterwards, so the other specs get the default persona.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const NAME = 'e2e greeting by persona';
const SPLITS: [string, number][] = [
  ['concise', 50],
  ['tutor', 50],
];
// what each variant's greeting ends with (the agent may put the user's name in front)
const GREETING_TAIL: Record<string, string> = {
  concise: 'What do you need?', // the Concise persona's own greeting
  tutor: 'This is the tutor variant. What would you like to learn today?', // the variant's override
};

/** backend/app/experiments/assignment.py: sha256("<experiment>:<user>")[:8] mod 10,000. */
function variantFor(experimentId: string, userId: string): string {
  const digest = createHash('sha256').update(`${experimentId}:${userId}`).digest();
  const bucket = Number(digest.readBigUInt64BE(0) % 10_000n);
  let edge = 0;
  for (const [key, split] of SPLITS) {
    edge += split * 100;
    if (bucket < edge) return key;
  }
  return SPLITS[SPLITS.length - 1]![0];
}

/** 40 made-up calls per variant (latency ms : thumbs-up share), for the screenshot. */
function seedCalls(experimentId: string, variants: string[]): void {
  const script = path.join(import.meta.dirname, 'support', 'seed_experiment.py');
  const db = `sqlite:///${path.join(e2eEnv.stateDir, 'backend.db')}`;
  const result = spawnSync(e2eEnv.python, [script, experimentId, db, ...variants], {
    cwd: e2eEnv.repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`seeding failed: ${result.stderr}`);
}

async function ours(request: APIRequestContext): Promise<{ id: string; status: string }[]> {
  const all = (await (await request.get('/api/experiments')).json()) as { id: string; name: string; status: string }[];
  return all.filter((e) => e.name === NAME);
}

test.afterEach(async ({ request }) => {
  for (const experiment of await ours(request)) {
    if (experiment.status === 'running') await request.post(`/api/experiments/${experiment.id}/stop`);
    await request.delete(`/api/experiments/${experiment.id}`);
  }
});

test("a running experiment's variant persona greets the caller", async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
  await expect(page.getByRole('heading', { name: 'Experiments' })).toBeVisible();

  const form = page.getByRole('form', { name: 'New experiment' });
  await form.getByLabel('Name').fill(NAME);
  const [keys, personas] = [form.getByLabel('Key'), form.getByLabel('Persona')];
  await keys.nth(0).fill('concise');
  await personas.nth(0).selectOption('concise');
  await keys.nth(1).fill('tutor');
  await personas.nth(1).selectOption('tutor');
  await form.getByLabel('Greeting').nth(1).fill(`Hello! ${GREETING_TAIL.tutor}`);
  await form.getByRole('button', { name: 'Create draft' }).click();

  const item = page.getByTestId('experiment').filter({ hasText: NAME });
  await expect(item).toContainText('draft');
  await item.getByRole('button', { name: 'Start' }).click();
  await expect(item).toContainText('running');

  const [experiment] = await ours(page.request);
  const session = (await (await page.request.get('/api/auth/session')).json()) as { user: { id: string } };
  const expected = variantFor(experiment!.id, session.user.id);
  console.log(`variant for ${session.user.id}: ${expected}`);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call' }).click();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const agentLines = page.getByRole('list', { name: 'Transcript' }).getByTestId('msg-agent');
  await expect(agentLines.first()).toContainText(GREETING_TAIL[expected]!);
  await page.getByRole('button', { name: 'Disconnect' }).click();

  // the conversation is counted in its variant's results
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
  const turns = page.getByRole('table', { name: 'Turns per call' });
  await expect(turns.getByTestId(`result-${expected}`).locator('td').first()).toHaveText('1');
  await expect(turns.getByTestId(`result-${expected === 'tutor' ? 'concise' : 'tutor'}`).locator('td').first()).toHaveText('0');

  // with made-up calls beside it: a 170 ms faster variant is found significant
  seedCalls(experiment!.id, ['concise=1150:0.55', 'tutor=980:0.8']);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const latency = page.getByRole('table', { name: 'Voice-to-voice latency' });
  await expect(latency.getByTestId('result-tutor').locator('td').first()).toHaveText('40');
  await expect(latency.getByTestId('result-tutor')).toContainText(/significant \(p/);
  await expect(latency.getByTestId('result-tutor')).not.toContainText('not yet');
  await expectAccessible(page, 'the Experiments page with results');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('form', { name: 'New experiment' }).evaluate((form) => form.remove()); // results only
  await page.screenshot({ path: 'test-results/screenshots/experiments.png', fullPage: true });
});
