import { deflateSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './support/axe';
import { e2eEnv, fakeMicArgs } from './support/stack-env';

// A silent microphone: this test attaches files and types. The agent's default limit is
// AGENT_FILES__MAX_BYTES = 2,000,000 bytes a file.
test.use({ launchOptions: { executablePath: e2eEnv.chromium, args: fakeMicArgs(e2eEnv.silenceWav) } });

const NOTES = 'Team notes, week 12.\nThe office wifi password is heron-42.\nLunch is at noon.\n';

/** A real PNG: a 160 x 96 orange rectangle. */
function orangePng(width = 160, height = 96): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind: string, body: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(Buffer.concat([Buffer.from(kind), body])));
    return Buffer.concat([head, Buffer.from(kind), body, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([255, 140, 0]))]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function startCall(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByTestId('agent-state')).toHaveText(/^(listening|speaking)$/);
  const transcript = page.getByRole('list', { name: 'Transcript' });
  const agentLines = transcript.getByTestId('msg-agent');
  await expect(agentLines.first()).not.toBeEmpty(); // the greeting
  return { transcript, agentLines };
}

test('the agent answers from a text file the user attached', async ({ page }) => {
  const { transcript, agentLines } = await startCall(page);
  const before = await agentLines.count();

  await page.getByTestId('attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTES) });
  const attachment = transcript.getByTestId('msg-user').filter({ hasText: 'notes.txt' });
  await expect(attachment).toContainText(`notes.txt (${NOTES.length} bytes)`);
  await expect(attachment).toContainText('heron-42'); // the preview
  await expect(agentLines.nth(before)).toHaveText("Assistant: I've read notes.txt.");
  await expectAccessible(page, 'a file in the transcript');

  await page.getByRole('textbox', { name: 'Message' }).fill('What is the office wifi password?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(agentLines.nth(before + 1)).toContainText(/heron-42/i);
  await page.screenshot({ path: 'test-results/screenshots/chat-attachment.png', fullPage: true });
});

test('an oversized file gets a clear message and is not sent', async ({ page }) => {
  const { transcript } = await startCall(page);

  // the page checks the agent's published limit (its files.max_bytes attribute) before
  // sending; the agent still refuses a larger file itself (agent/tests/test_file_sharing_integration.py)
  const big = Buffer.alloc(2_100_000, 'x');
  await page.getByTestId('attach-input').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
  const attachment = transcript.getByTestId('msg-user').filter({ hasText: 'big.txt' });
  await expect(attachment).toContainText('big.txt (2.1 MB)');
  await expect(attachment.getByRole('alert')).toHaveText('Not sent: big.txt is larger than the assistant takes (at most 2.0 MB).');
});

test('an image attached in the chat is kept and shown in the history', async ({ page }) => {
  const { transcript, agentLines } = await startCall(page);
  const before = await agentLines.count();

  await page.getByTestId('attach-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: orangePng() });
  await expect(transcript.getByTestId('msg-user').filter({ hasText: 'sunset.png' })).toBeVisible();
  // the local model has no vision (AGENT_LLM__VISION is off): the agent says so
  await expect(agentLines.nth(before)).toHaveText("Assistant: I've saved sunset.png, but I can't see images.");

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('link', { name: 'Open this conversation in History' }).click();
  const image = page.getByRole('img', { name: 'sunset.png' });
  await expect(image).toBeVisible();
  // the picture itself, decoded by the browser from the backend's copy
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => `${img.naturalWidth}x${img.naturalHeight}`)).toBe('160x96');
  await expect(page.getByTestId('shared-file').filter({ hasText: 'sunset.png' })).toContainText('(an image)');
  await page.screenshot({ path: 'test-results/screenshots/history-image.png', fullPage: true });
});
