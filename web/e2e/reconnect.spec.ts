import { expect, test } from '@playwright/test';
import { livekitServerPid } from './support/stack-processes';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// livekit-server killed mid-call (kill -9); the stack's supervisor starts it again on the
// same ports. The page says it lost the connection, reconnects by itself (livekit-client's
// full reconnect: the room is created again on the new server), and the same call goes on:
// the agent answers the next question. A silent microphone: the questions are typed.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const REPLY_TIMEOUT = 120_000;

test('a restarted livekit-server: the page reconnects and the agent answers again', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const state = page.getByTestId('agent-state');
  await expect(state).toHaveText(/^(listening|speaking)$/);

  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  const box = page.getByRole('textbox', { name: 'Message' });
  const send = page.getByRole('button', { name: 'Send' });
  await expect(agentLines.first()).not.toBeEmpty({ timeout: REPLY_TIMEOUT }); // the greeting
  await box.fill('What is the capital of France?');
  await send.click();
  await expect(agentLines.filter({ hasText: /paris/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  await expect(state).toHaveText('listening', { timeout: REPLY_TIMEOUT });

  const pid = livekitServerPid();
  expect(pid, 'the e2e stack has a livekit-server').not.toBeNull();
  const killedAt = Date.now();
  process.kill(pid!, 'SIGKILL');

  const banner = page.getByTestId('reconnecting');
  await expect(banner).toHaveText('Connection lost. Reconnecting…');
  // a new livekit-server (the supervisor's restart), and the page back on it
  await expect.poll(() => livekitServerPid(), { timeout: 30_000 }).not.toBeNull();
  expect(livekitServerPid()).not.toBe(pid);
  await expect(banner).toBeHidden({ timeout: 60_000 });
  console.log(`livekit-server kill -9 to the page reconnected: ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
  await expect(page.getByRole('button', { name: 'Disconnect' })).toBeVisible();

  // the call goes on: the next typed question is answered
  const before = await agentLines.count();
  await box.fill('What is the capital of Italy?');
  await send.click();
  await expect(transcript.getByTestId('msg-user').filter({ hasText: /italy/i })).toBeVisible();
  await expect(agentLines.filter({ hasText: /rome/i }).first()).toBeVisible({ timeout: REPLY_TIMEOUT });
  expect(await agentLines.count()).toBeGreaterThan(before);
  console.log(`after the restart: ${(await transcript.innerText()).replace(/\s+/g, ' ')}`);

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(state).toHaveText('disconnected');
});
