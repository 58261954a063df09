import type { LatencyMeasurement } from './latency-detector';
import { hasFigures, type TurnMetrics } from './turn-metrics';

/** A `turn_metrics` packet plus when this page received it (`performance.now()` clock). */
export type ReceivedTurn = TurnMetrics & { receivedAt: number };

export type LatencyRow = {
  /** Stable React key. */
  key: string;
  /** Agent turn number; `null` for a reply whose agent figures have not arrived yet. */
  turn: number | null;
  isGreeting: boolean;
  interrupted: boolean;
  /** What the user felt: end of speech → agent audio, measured in this page. */
  browserMs: number | null;
  e2eMs: number | null;
  sttMs: number | null;
  llmMs: number | null;
  ttsMs: number | null;
};

const toMs = (seconds: number | undefined): number | null =>
  seconds === undefined ? null : seconds * 1000;

/**
 * Pair browser measurements with agent turns, oldest first.
 *
 * By order: the n-th browser measurement goes with the n-th agent turn that answered user
 * text (the greeting has none, so it never takes one). One guard makes the order robust: the
 * agent publishes a turn's packet when that reply ends, so its measurement must predate the
 * packet. A turn takes the latest unpaired measurement from before its packet arrived (older
 * ones were spurious onsets and are dropped); with none it gets no browser figure (a typed
 * message, or speech the page did not catch). A measurement newer than every packet is the
 * reply now playing and becomes a trailing pending row.
 */
export function buildLatencyRows(
  turns: ReadonlyArray<ReceivedTurn>,
  measurements: ReadonlyArray<LatencyMeasurement>,
): LatencyRow[] {
  const ordered = [...turns].sort((a, b) => a.turn - b.turn);
  const rows: LatencyRow[] = [];
  let next = 0; // first unpaired measurement

  ordered.forEach((turn, index) => {
    let browserMs: number | null = null;
    if (turn.userText !== null) {
      let match = -1;
      for (let i = next; i < measurements.length && measurements[i]!.at <= turn.receivedAt; i += 1) {
        match = i;
      }
      if (match >= 0) {
        browserMs = measurements[match]!.latencyMs;
        next = match + 1;
      }
    }
    const isGreeting = turn.userText === null && index === 0;
    if (turn.userText === null && !hasFigures(turn)) return; // nothing to show
    rows.push({
      key: `turn-${turn.turn}`,
      turn: turn.turn,
      isGreeting,
      interrupted: turn.interrupted,
      browserMs,
      e2eMs: toMs(turn.figures.e2e_latency),
      sttMs: toMs(turn.figures.transcription_delay),
      llmMs: toMs(turn.figures.llm_node_ttft),
      ttsMs: toMs(turn.figures.tts_node_ttfb),
    });
  });

  const pending = measurements.at(-1);
  if (pending && measurements.length > next) {
    rows.push({
      key: `pending-${pending.at}`,
      turn: null,
      isGreeting: false,
      interrupted: false,
      browserMs: pending.latencyMs,
      e2eMs: null,
      sttMs: null,
      llmMs: null,
      ttsMs: null,
    });
  }
  return rows;
}

/** Milliseconds rounded to a whole number, or an em dash when missing. */
export function formatMs(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? '—' : String(Math.round(ms));
}

/** The figure a chart point shows: what the user felt, else the agent's own e2e. */
export function chartValue(row: LatencyRow): { ms: number; source: 'browser' | 'agent' } | null {
  if (row.browserMs !== null) return { ms: row.browserMs, source: 'browser' };
  if (row.e2eMs !== null) return { ms: row.e2eMs, source: 'agent' };
  return null;
}
