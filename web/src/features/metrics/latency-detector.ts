/**
 * Finds "end of the user's speech → first agent audio" in a stream of level samples.
 *
 * Fed `(t, micLevel, agentLevel)` every ~20 ms (levels are RMS amplitudes, 0..1; `t` in ms
 * on any monotonic clock). A turn is measured once: the user must have spoken (a voiced run
 * of at least `minSpeechMs`), be silent now, and the agent's audio must then start after at
 * least `agentSilenceMs` of agent silence. The figure is agent onset − the last voiced mic
 * sample. Agent audio that starts while the user still speaks is not counted; the turn stays
 * armed, so the agent's next onset after the user stops is.
 */
export type LatencyDetectorOptions = {
  /** Mic RMS at or above which the user counts as speaking. */
  micThreshold: number;
  /** Agent RMS at or above which agent audio counts as playing. */
  agentThreshold: number;
  /** Voiced mic time needed before a turn is armed (ignores clicks and pops). */
  minSpeechMs: number;
  /** Mic dips shorter than this stay within the same voiced run (gaps between words). */
  speechGapMs: number;
  /** The user still counts as speaking for this long after the last voiced sample. */
  speechHangoverMs: number;
  /** Agent silence needed before its audio counts as a new onset (pauses between clauses). */
  agentSilenceMs: number;
  /** A longer gap is not a reply to that speech (agent spoke on its own); it is dropped. */
  maxLatencyMs: number;
};

export const DEFAULT_DETECTOR_OPTIONS: LatencyDetectorOptions = {
  micThreshold: 0.015,
  agentThreshold: 0.01,
  minSpeechMs: 80,
  speechGapMs: 300,
  speechHangoverMs: 40,
  agentSilenceMs: 300,
  maxLatencyMs: 30_000,
};

export type LatencyMeasurement = {
  /** End of user speech → agent audio onset, in ms. */
  latencyMs: number;
  /** Sample time of the agent onset (same clock as the samples). */
  at: number;
};

export class LatencyDetector {
  private readonly options: LatencyDetectorOptions;
  private lastMicVoiceAt: number | null = null;
  private runStartAt: number | null = null;
  private armed = false;
  private lastAgentVoiceAt: number | null = null;

  constructor(options: Partial<LatencyDetectorOptions> = {}) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
  }

  /** Feed one sample; returns the measurement when this sample completes a turn. */
  push(t: number, micLevel: number, agentLevel: number): LatencyMeasurement | null {
    const o = this.options;

    if (micLevel >= o.micThreshold) {
      const newRun = this.lastMicVoiceAt === null || t - this.lastMicVoiceAt > o.speechGapMs;
      if (newRun || this.runStartAt === null) this.runStartAt = t;
      this.lastMicVoiceAt = t;
      if (t - this.runStartAt >= o.minSpeechMs) this.armed = true;
    }

    if (agentLevel < o.agentThreshold) return null;

    const agentWasSilent =
      this.lastAgentVoiceAt === null || t - this.lastAgentVoiceAt >= o.agentSilenceMs;
    this.lastAgentVoiceAt = t;
    if (!agentWasSilent || !this.armed || this.lastMicVoiceAt === null) return null;

    const latencyMs = t - this.lastMicVoiceAt;
    if (latencyMs < o.speechHangoverMs) return null; // user still speaking: not a reply yet

    this.armed = false;
    this.runStartAt = null;
    if (latencyMs > o.maxLatencyMs) return null;
    return { latencyMs, at: t };
  }

  reset(): void {
    this.lastMicVoiceAt = null;
    this.runStartAt = null;
    this.armed = false;
    this.lastAgentVoiceAt = null;
  }
}

/** RMS of one analyser frame (`getFloatTimeDomainData`), 0..1. */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const value = samples[i] ?? 0;
    sum += value * value;
  }
  return Math.sqrt(sum / samples.length);
}
