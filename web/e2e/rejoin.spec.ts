import { expect, test, type Page } from '@playwright/test';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A page reload mid-call rejoins the same conversation (docs/reliability.md): the earlier
// transcript is shown again and the same agent answers the next question. A page gone
// longer than the rejoin grace (BACKEND_REJOIN_GRACE_SECONDS, 20 s in global-setup) finds
// its call ended and gets the start screen with a note. Typed turns: a silent microphone.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const GRACE_S = 20;
const CALL_ENDED_NOTE = 'Your previous call has ended. Start a new one when you are ready.';

type Stored = { conversationId: string; roomName: string };

async function storedCall(page: Page): Promise<Stored | null> {
  const raw = await page.evaluate(() => sessionStorage.getItem('va.call'));
  return raw ? (JSON.parse(raw) as Stored) : null;
}

async function conversation(page: Page, id: string): Promise<{ status: string; messages: { role: string; text: string }[] }> {
  const response = await page.request.get(`/api/conversations/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as { status: string; messages: { role: string; text: string }[] };
}

async function ask(page: Page, question: string, answer: RegExp): Promise<void> {
  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(page.getByTestId('agent-state')).toHaveText('listening');
  const before = await agentLines.count();
  await page.getByRole('textbox', { name: 'Message' }).fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(transcript.getByTestId('msg-user').filter({ hasText: question })).toBeVisible();
  await expect(agentLines).toHaveCount(before + 1);
  await expect(agentLines.nth(before)).toContainText(answer);
}

async function startCall(page: Page): Promise<Stored> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);
  await expect(page.getByRole('list', { name: 'Transcript' }).getByTestId('msg-agent').first()).not.toBeEmpty();
  const stored = await storedCall(page);
  expect(stored).not.toBeNull();
  return stored as Stored;
}

test('a reload mid-call rejoins the same conversation with its transcript', async ({ page }) => {
  test.setTimeout(300_000);
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  const call = await startCall(page);
  await ask(page, 'What is the capital of France?', /paris/i);
  // every line is stored before the reload shows it again
  await expect
    .poll(async () => (await conversation(page, call.conversationId)).messages.some((m) => /paris/i.test(m.text)))
    .toBe(true);

  await page.reload();
  const transcript = page.getByRole('list', { name: 'Transcript' });
  await expect(transcript.getByTestId('msg-user').filter({ hasText: 'What is the capital of France?' })).toBeVisible();
  await expect(transcript.getByTestId('msg-agent').filter({ hasText: /paris/i })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disconnect' })).toBeVisible(); // connected again, by itself
  expect(await storedCall(page)).toEqual(call);

  await ask(page, 'What is the capital of Italy?', /rome/i);
  const record = await conversation(page, call.conversationId);
  expect(record.status).toBe('active');
  const asked = record.messages.filter((m) => m.role === 'user').map((m) => m.text);
  expect(asked).toEqual(expect.arrayContaining(['What is the capital of France?', 'What is the capital of Italy?']));
  await page.screenshot({ path: 'test-results/screenshots/rejoined-call.png', fullPage: true });

  // Hanging up ends it for good: a reload then starts afresh, with no note.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('agent-state')).toHaveText('disconnected');
  await expect.poll(async () => (await conversation(page, call.conversationId)).status).toBe('ended');
  expect(await storedCall(page)).toBeNull();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeVisible();
  await expect(page.getByText(CALL_ENDED_NOTE)).toHaveCount(0);
  expect(consoleErrors, `console errors: ${consoleErrors.join('\n')}`).toEqual([]);
});

test('a page gone longer than the grace finds its call ended', async ({ page }) => {
  test.setTimeout(300_000);
  const call = await startCall(page);
  await page.goto('about:blank'); // leaves the room without hanging up
  // the agent waits out the grace, then LiveKit closes the room (no goodbye)
  await expect
    .poll(async () => (await conversation(page, call.conversationId)).status, { timeout: (GRACE_S + 60) * 1000 })
    .toBe('ended');

  await page.goto('/'); // the same tab: its sessionStorage still names the call
  await expect(page.getByText(CALL_ENDED_NOTE)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeVisible();
  expect(await storedCall(page)).toBeNull();
  const said = (await conversation(page, call.conversationId)).messages.filter((m) => m.role === 'assistant');
  expect(said.map((m) => m.text).join(' ')).not.toMatch(/goodbye/i);
});
