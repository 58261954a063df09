import { expect, test, type Page } from '@playwright/test';

// A spoken call with recording on, then the history plays its recording: as long as the
// call, stereo, neither side silent, with the line being spoken highlighted as the player
// seeks. The fake microphone asks its question after 10 s of silence, once the spoken notice
// and the greeting are over (e2e/support/global-setup.ts).

type Decoded = { seconds: number; channels: number; peaks: number[] };

/** The recording as the page fetches it, decoded by the browser (Ogg/Opus). */
async function decodeRecording(page: Page, url: string): Promise<Decoded> {
  return page.evaluate(async (address) => {
    const response = await fetch(address, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`GET ${address}: ${response.status}`);
    const audio = await new AudioContext().decodeAudioData(await response.arrayBuffer());
    const peaks = Array.from({ length: audio.numberOfChannels }, (_, c) =>
      audio.getChannelData(c).reduce((peak, v) => Math.max(peak, Math.abs(v)), 0),
    );
    return { seconds: audio.duration, channels: audio.numberOfChannels, peaks };
  }, url);
}

test('a recorded call plays back in the history beside its transcript', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('checkbox', { name: 'Record this call' }).check();
  const started = Date.now();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|thinking|speaking)$/);
  await expect(page.getByTestId('recording-indicator')).toHaveText('Recording');
  const shown = Date.now(); // the recorder runs from before this

  const transcript = page.getByRole('list', { name: 'Transcript' });
  await expect(transcript.getByTestId('msg-user').filter({ hasText: /capital/i })).toContainText(/France/i);
  await expect(transcript.getByTestId('msg-agent').filter({ hasText: /paris/i }).first()).toBeVisible();
  await expect(page.getByTestId('agent-state')).toHaveText('listening'); // the answer was played

  await page.getByRole('button', { name: 'Disconnect' }).click();
  const ended = Date.now();
  const callSeconds = (ended - started) / 1000;
  const recordedAtLeast = (ended - shown) / 1000 - 1; // the badge showed within a second
  await expect(page.getByTestId('agent-state')).toHaveText('disconnected');
  const saved = page.getByRole('link', { name: 'Open this conversation in History' });
  const href = (await saved.getAttribute('href'))!;
  const id = href.split('/').pop()!;
  const url = `/api/conversations/${id}/recording`;

  // the agent's last upload follows the hang-up: wait until the recording covers the call
  // from the badge to the hang-up (it began just before the greeting, after Connect)
  let decoded: Decoded = { seconds: 0, channels: 0, peaks: [] };
  await expect
    .poll(async () => (decoded = await decodeRecording(page, url)).seconds, { timeout: 60_000 })
    .toBeGreaterThan(recordedAtLeast);
  console.log(`call ${callSeconds.toFixed(1)} s, recording ${decoded.seconds.toFixed(1)} s, peaks ${decoded.peaks}`);
  expect(decoded.seconds).toBeLessThan(callSeconds + 5);
  expect(decoded.channels).toBe(2);
  expect(decoded.peaks[0]).toBeGreaterThan(0.01); // the user's question, left
  expect(decoded.peaks[1]).toBeGreaterThan(0.01); // the agent's greeting and answer, right

  // only its owner gets it; seeking uses byte ranges
  const range = await page.request.get(url, { headers: { Range: 'bytes=0-99' } });
  expect(range.status()).toBe(206);
  expect((await range.body()).subarray(0, 4).toString()).toBe('OggS');

  await page.goto(`/${href}`);
  const player = page.getByTestId('recording-audio');
  await expect(player).toBeVisible();
  await expect(page.getByRole('link', { name: 'Download recording' })).toHaveAttribute('href', `${url}?download=true`);
  await expect.poll(() => player.evaluate((el: HTMLAudioElement) => el.readyState), { timeout: 30_000 }).toBeGreaterThan(0);

  // seek to the end: the last line said is the one highlighted
  await player.evaluate((el: HTMLAudioElement, at: number) => {
    el.currentTime = at;
  }, decoded.seconds - 0.5);
  const speaking = page.locator('.history-transcript [data-speaking="true"]');
  await expect(speaking).toHaveCount(1);
  await expect(speaking).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('saved-agent').last()).toHaveAttribute('data-speaking', 'true');
  // seek to just after the first line was stored: that line (the greeting)
  const detail = (await (await page.request.get(`/api/conversations/${id}`)).json()) as {
    recording: { started_at: string };
    messages: { created_at: string }[];
  };
  const first = (Date.parse(detail.messages[0]!.created_at) - Date.parse(detail.recording.started_at)) / 1000;
  await player.evaluate((el: HTMLAudioElement, at: number) => {
    el.currentTime = at;
  }, Math.max(0, first) + 0.2);
  await expect(page.locator('.history-transcript li').first()).toHaveAttribute('data-speaking', 'true');
  // the first line is the spoken notice (AGENT_RECORDING__NOTICE), before the greeting
  await expect(page.getByTestId('saved-agent').first()).toContainText('This call is being recorded.');

  // a wide screen: the player beside the transcript; a narrow one: above it
  await page.setViewportSize({ width: 1280, height: 800 });
  const transcriptList = page.getByRole('list', { name: 'Saved transcript' });
  let playerBox = (await player.boundingBox())!;
  let listBox = (await transcriptList.boundingBox())!;
  expect(playerBox.x + playerBox.width).toBeLessThanOrEqual(listBox.x);
  await page.screenshot({ path: 'test-results/screenshots/history-recording.png', fullPage: true });
  await page.setViewportSize({ width: 600, height: 800 });
  playerBox = (await player.boundingBox())!;
  listBox = (await transcriptList.boundingBox())!;
  expect(playerBox.y + playerBox.height).toBeLessThanOrEqual(listBox.y);
});
