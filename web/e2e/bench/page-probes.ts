import type { Page } from '@playwright/test';

/** One latency panel row as shown (ms figures as text: a number or an em dash). */
export type PanelRow = {
  turn: string | null;
  greeting: boolean;
  interrupted: boolean;
  browserMs: string;
  cells: string[];
};

/** Cumulative receive stats of the agent's audio (RTCInboundRtpStreamStats, RTCAudioPlayoutStats). */
export type AudioStats = Record<string, number>;

export type Snapshot = {
  /** Date.now() in the page. */
  wall: number;
  agentState: string | null;
  rows: PanelRow[];
  userLines: string[];
  inbound: AudioStats[];
  playout: AudioStats[];
  /** Timer lag of a 20 ms interval in the page (the detector samples at that rate). */
  lag: { ticks: number; totalMs: number; maxMs: number; over50: number };
  longTasks: { count: number; totalMs: number };
  audioContext: { baseLatency: number; outputLatency: number } | null;
  /** The reference detector's measurements so far (see REFERENCE_DETECTOR), `wall` the
   * agent audio's onset (Date.now() clock). */
  references: { latencyMs: number; wall: number }[];
  /** The agent's `turn_metrics` records as they arrived, read off the data channels. */
  packets: { record: unknown; wall: number }[];
};

/**
 * A second "end of speech → agent audio" detector, to check the page's own: the same
 * thresholds as the page's LatencyDetector (RMS 0.015 mic, 0.01 agent, 300 ms gaps, 80 ms of
 * speech), but on every 128-sample render quantum of an AudioWorklet that hears both tracks
 * on one audio clock (2.7 ms steps), instead of a 20 ms timer reading analysers.
 */
const REFERENCE_DETECTOR = `
class BenchReference extends AudioWorkletProcessor {
  constructor() { super(); this.lastVoice = null; this.runStart = null; this.armed = false; this.lastAgent = null; }
  rms(channel) {
    if (!channel || channel.length === 0) return 0;
    let sum = 0;
    for (let i = 0; i < channel.length; i += 1) sum += channel[i] * channel[i];
    return Math.sqrt(sum / channel.length);
  }
  process(inputs) {
    const t = currentFrame / sampleRate;
    const end = t + 128 / sampleRate;
    const mic = this.rms(inputs[0] && inputs[0][0]);
    const agent = this.rms(inputs[1] && inputs[1][0]);
    if (mic >= 0.015) {
      if (this.lastVoice === null || this.runStart === null || t - this.lastVoice > 0.3) this.runStart = t;
      this.lastVoice = end;
      if (end - this.runStart >= 0.08) this.armed = true;
    }
    if (agent >= 0.01) {
      const wasSilent = this.lastAgent === null || t - this.lastAgent >= 0.3;
      this.lastAgent = end;
      if (wasSilent && this.armed && mic < 0.015) {
        this.armed = false;
        this.runStart = null;
        this.port.postMessage({ latencyMs: (t - this.lastVoice) * 1000, at: t });
      }
    }
    return true;
  }
}
registerProcessor('bench-reference', BenchReference);
`;

/** Before the page loads: keep every RTCPeerConnection it makes, and time a 20 ms timer. */
export async function installProbes(page: Page, jitterTargetMs: number | null): Promise<void> {
  await page.addInitScript(({ workletCode, jitterTarget }: { workletCode: string; jitterTarget: number | null }) => {
    const w = window as unknown as Record<string, unknown>;
    const references: { latencyMs: number; wall: number }[] = [];
    w.__benchReferences = references;
    // the reference detector: mic into input 0, the agent's audio into input 1
    let reference: Promise<{ context: AudioContext; node: AudioWorkletNode }> | null = null;
    const tapInto = (track: MediaStreamTrack, input: number) => {
      reference ??= (async () => {
        const context = new AudioContext();
        const url = URL.createObjectURL(new Blob([workletCode], { type: 'application/javascript' }));
        await context.audioWorklet.addModule(url);
        const node = new AudioWorkletNode(context, 'bench-reference', { numberOfInputs: 2, numberOfOutputs: 1 });
        // the onset on the wall clock: now, less how far the audio clock has moved since
        node.port.onmessage = (e: MessageEvent<{ latencyMs: number; at: number }>) =>
          references.push({
            latencyMs: e.data.latencyMs,
            wall: Date.now() - (context.currentTime - e.data.at) * 1000,
          });
        const mute = context.createGain();
        mute.gain.value = 0;
        node.connect(mute).connect(context.destination);
        await context.resume();
        return { context, node };
      })();
      void reference.then(({ context, node }) =>
        context.createMediaStreamSource(new MediaStream([track])).connect(node, 0, input),
      );
    };
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      for (const track of stream.getAudioTracks()) tapInto(track, 0);
      return stream;
    };

    // the agent's turn_metrics JSON, as it sits inside LiveKit's DataPacket bytes
    const packets: { record: unknown; wall: number }[] = [];
    w.__benchPackets = packets;
    const decoder = new TextDecoder();
    const readPacket = async (e: MessageEvent) => {
      const data: unknown = e.data;
      const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
      const text = bytes instanceof ArrayBuffer ? decoder.decode(bytes) : typeof bytes === 'string' ? bytes : '';
      const start = text.lastIndexOf('{', text.indexOf('"type": "turn_metrics"'));
      if (start < 0 || !text.includes('"type": "turn_metrics"')) return;
      let depth = 0;
      let quoted = false;
      for (let i = start; i < text.length; i += 1) {
        const c = text[i];
        if (quoted) {
          if (c === '\\') i += 1;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === '{') depth += 1;
        else if (c === '}' && --depth === 0) {
          try {
            packets.push({ record: JSON.parse(text.slice(start, i + 1)), wall: Date.now() });
          } catch {
            // not the agent's JSON after all
          }
          return;
        }
      }
    };

    const pcs: RTCPeerConnection[] = [];
    w.__benchPcs = pcs;
    const Original = window.RTCPeerConnection;
    class Kept extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        pcs.push(this);
        // server data comes on the channels the server opens, or on the page's own
        this.addEventListener('datachannel', (e) => e.channel.addEventListener('message', (m) => void readPacket(m)));
        const createDataChannel = this.createDataChannel.bind(this);
        this.createDataChannel = (label, init) => {
          const channel = createDataChannel(label, init);
          channel.addEventListener('message', (m) => void readPacket(m));
          return channel;
        };
        this.addEventListener('track', (e) => {
          if (e.track.kind !== 'audio') return;
          tapInto(e.track, 1);
          if (jitterTarget !== null) e.receiver.jitterBufferTarget = jitterTarget;
        });
      }
    }
    window.RTCPeerConnection = Kept;

    const lag = { ticks: 0, totalMs: 0, maxMs: 0, over50: 0 };
    w.__benchLag = lag;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - last - 20);
      last = now;
      lag.ticks += 1;
      lag.totalMs += late;
      lag.maxMs = Math.max(lag.maxMs, late);
      if (late > 50) lag.over50 += 1;
    }, 20);

    const longTasks = { count: 0, totalMs: 0 };
    w.__benchLongTasks = longTasks;
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          longTasks.count += 1;
          longTasks.totalMs += entry.duration;
        }
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      // no long task timing in this browser: the counts stay 0
    }
  }, { workletCode: REFERENCE_DETECTOR, jitterTarget: jitterTargetMs });
}

const INBOUND_KEYS = [
  'jitterBufferDelay',
  'jitterBufferTargetDelay',
  'jitterBufferMinimumDelay',
  'jitterBufferEmittedCount',
  'totalSamplesReceived',
  'concealedSamples',
  'silentConcealedSamples',
  'insertedSamplesForDeceleration',
  'removedSamplesForAcceleration',
  'packetsReceived',
  'packetsLost',
  'totalAudioEnergy',
] as const;
const PLAYOUT_KEYS = [
  'totalPlayoutDelay',
  'totalSamplesCount',
  'totalSamplesDuration',
  'synthesizedSamplesDuration',
  'synthesizedSamplesEvents',
] as const;

/** The page now: panel rows, transcript, agent audio stats, timer lag. */
export async function collectSnapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(
    async ({ inboundKeys, playoutKeys }) => {
      const w = window as unknown as Record<string, unknown>;
      const pick = (report: Record<string, unknown>, keys: readonly string[]) =>
        Object.fromEntries(keys.flatMap((k) => (typeof report[k] === 'number' ? [[k, report[k]]] : [])));
      const inbound: Record<string, number>[] = [];
      const playout: Record<string, number>[] = [];
      for (const pc of w.__benchPcs as RTCPeerConnection[]) {
        if (pc.connectionState === 'closed') continue;
        const stats = await pc.getStats();
        stats.forEach((report: Record<string, unknown>) => {
          if (report.type === 'inbound-rtp' && report.kind === 'audio') inbound.push(pick(report, inboundKeys));
          if (report.type === 'media-playout') playout.push(pick(report, playoutKeys));
        });
      }
      const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="latency-row"]')).map((tr) => ({
        turn: tr.dataset.turn ?? null,
        greeting: tr.dataset.greeting === 'true',
        interrupted: tr.dataset.interrupted === 'true',
        browserMs: tr.querySelector('[data-testid="latency-browser-ms"]')?.textContent ?? '',
        cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
      }));
      const userLines = Array.from(document.querySelectorAll('[data-testid="msg-user"]')).map(
        (el) => el.textContent ?? '',
      );
      let audioContext = (w.__benchAudioContext as { baseLatency: number; outputLatency: number } | undefined) ?? null;
      if (!audioContext) {
        const context = new AudioContext();
        await context.resume().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
        audioContext = { baseLatency: context.baseLatency, outputLatency: context.outputLatency };
        w.__benchAudioContext = audioContext;
        void context.close();
      }
      return {
        wall: Date.now(),
        agentState: document.querySelector('[data-testid="agent-state"]')?.textContent ?? null,
        rows,
        userLines,
        inbound,
        playout,
        lag: { ...(w.__benchLag as Snapshot['lag']) },
        longTasks: { ...(w.__benchLongTasks as Snapshot['longTasks']) },
        audioContext,
        references: [...(w.__benchReferences as Snapshot['references'])],
        packets: [...(w.__benchPackets as Snapshot['packets'])],
      };
    },
    { inboundKeys: INBOUND_KEYS, playoutKeys: PLAYOUT_KEYS },
  );
}
