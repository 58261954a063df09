import type { Page } from '@playwright/test';

/**
 * Watches every <audio> element the page creates (RoomAudioRenderer attaches the agent's
 * track to one) with a WebAudio analyser and records the loudest level heard, 0..1, in
 * `window.__agentAudioPeak`. A remote WebRTC stream reads as silence unless it also plays
 * in an element, which is exactly the case here (LIVEKIT_API.md 9.3).
 */
export async function watchAgentAudio(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __agentAudioPeak: number };
    w.__agentAudioPeak = 0;
    const seen = new WeakSet<MediaStream>();
    let ctx: AudioContext | null = null;
    setInterval(() => {
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
          analyser.getFloatTimeDomainData(buf);
          let peak = 0;
          for (const v of buf) peak = Math.max(peak, Math.abs(v));
          w.__agentAudioPeak = Math.max(w.__agentAudioPeak, peak);
        }, 50);
      }
    }, 100);
  });
}

export async function agentAudioPeak(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __agentAudioPeak: number }).__agentAudioPeak);
}
