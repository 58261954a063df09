import type { Page } from '@playwright/test';

/** One stretch of the agent speaking: when the page showed "speaking", and the loudest level
 * (0..1) heard from then until the next stretch. */
type Utterance = { start: number; peak: number };

/**
 * Watches every <audio> element the page creates (RoomAudioRenderer attaches the agent's
 * track to one) with a WebAudio analyser, and keeps the loudest level heard per utterance in
 * `window.__agentUtterances`: a new one starts each time the agent state turns "speaking",
 * so the greeting's audio never counts for the reply. A remote WebRTC stream reads as
 * silence unless it also plays in an element, which is exactly the case here
 * (docs/reference/livekit-api.md §9.3).
 */
export async function watchAgentAudio(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __agentUtterances: Utterance[] };
    const utterances: Utterance[] = (w.__agentUtterances = []);
    const seen = new WeakSet<MediaStream>();
    let ctx: AudioContext | null = null;
    let speaking = false;
    setInterval(() => {
      const state = document.querySelector('[data-testid="agent-state"]')?.textContent;
      if (state === 'speaking' && !speaking) utterances.push({ start: Date.now(), peak: 0 });
      speaking = state === 'speaking';
      for (const el of Array.from(document.querySelectorAll('audio'))) {
        const stream = el.srcObject;
        if (!(stream instanceof MediaStream) || seen.has(stream) || stream.getAudioTracks().length === 0) continue;
        seen.add(stream);
        ctx ??= new AudioContext();
        void ctx.resume();
        const analyser = ctx.createAnalyser();
        analyser.fftSize = 2048;
        ctx.createMediaStreamSource(stream).connect(analyser);
        const buf = new Float32Array(analyser.fftSize);
        setInterval(() => {
          const current = utterances.at(-1);
          if (!current) return; // audio before any "speaking" belongs to no utterance
          analyser.getFloatTimeDomainData(buf);
          for (const v of buf) current.peak = Math.max(current.peak, Math.abs(v));
        }, 50);
      }
    }, 50);
  });
}

/** The page's clock, to pass to agentAudioPeakSince. */
export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => Date.now());
}

/** The loudest agent audio of the utterances that started at or after `since` (page clock);
 * 0 when none has. */
export async function agentAudioPeakSince(page: Page, since: number): Promise<number> {
  const utterances = await page.evaluate(
    () => (window as unknown as { __agentUtterances: Utterance[] }).__agentUtterances,
  );
  return Math.max(0, ...utterances.filter((u) => u.start >= since).map((u) => u.peak));
}
