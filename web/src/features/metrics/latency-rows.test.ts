import { describe, expect, it } from 'vitest';
import type { LatencyMeasurement } from './latency-detector';
import { buildLatencyRows, chartValue, formatMs, type ReceivedTurn } from './latency-rows';

function turn(n: number, receivedAt: number, overrides: Partial<ReceivedTurn> = {}): ReceivedTurn {
  return {
    turn: n,
    userText: `question ${n}`,
    agentText: `answer ${n}`,
    interrupted: false,
    figures: { e2e_latency: n / 10 },
    receivedAt,
    ...overrides,
  };
}

const greeting = turn(1, 1_000, { userText: null, figures: {} });
const at = (ms: number, latencyMs = 700): LatencyMeasurement => ({ at: ms, latencyMs });

describe('buildLatencyRows', () => {
  it('pairs the n-th measurement with the n-th turn that answered user text', () => {
    const rows = buildLatencyRows(
      [greeting, turn(2, 5_000), turn(3, 9_000)],
      [at(4_000, 810), at(8_000, 920)],
    );
    expect(rows.map((row) => [row.turn, row.browserMs, row.e2eMs])).toEqual([
      [2, 810, 200],
      [3, 920, 300],
    ]);
  });

  it('hides a greeting without figures and labels one with figures', () => {
    expect(buildLatencyRows([greeting], [])).toEqual([]);
    const rows = buildLatencyRows([{ ...greeting, figures: { tts_node_ttfb: 0.05 } }], []);
    expect(rows).toMatchObject([{ turn: 1, isGreeting: true, browserMs: null, ttsMs: 50 }]);
  });

  it('maps every figure to ms and leaves missing ones null', () => {
    const [row] = buildLatencyRows(
      [
        turn(2, 5_000, {
          interrupted: true,
          figures: { transcription_delay: 0.2, llm_node_ttft: 0.35, tts_node_ttfb: 0.125 },
        }),
      ],
      [],
    );
    expect(row).toMatchObject({
      turn: 2,
      interrupted: true,
      browserMs: null,
      e2eMs: null,
      sttMs: 200,
      llmMs: 350,
      ttsMs: 125,
    });
  });

  it('orders turns by number whatever order the packets came in', () => {
    const rows = buildLatencyRows([turn(3, 9_000), greeting, turn(2, 5_000)], [at(4_000, 1), at(8_000, 2)]);
    expect(rows.map((row) => [row.turn, row.browserMs])).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });

  it('leaves a typed turn without a browser figure instead of shifting later pairs', () => {
    const rows = buildLatencyRows(
      [greeting, turn(2, 3_000), turn(3, 6_000)], // turn 2 answered a typed message
      [at(5_000, 750)],
    );
    expect(rows.map((row) => [row.turn, row.browserMs])).toEqual([
      [2, null],
      [3, 750],
    ]);
  });

  it('drops an extra measurement that came before the real one for the same turn', () => {
    const rows = buildLatencyRows([greeting, turn(2, 5_000)], [at(3_000, 90), at(4_000, 800)]);
    expect(rows.map((row) => [row.turn, row.browserMs])).toEqual([[2, 800]]);
  });

  it('shows a measurement whose agent figures have not arrived as a pending row', () => {
    const rows = buildLatencyRows([greeting, turn(2, 5_000)], [at(4_000, 800), at(7_000, 650)]);
    expect(rows.map((row) => [row.turn, row.browserMs, row.e2eMs])).toEqual([
      [2, 800, 200],
      [null, 650, null],
    ]);
    expect(buildLatencyRows([], [at(100, 640)])).toMatchObject([{ turn: null, browserMs: 640 }]);
  });
});

describe('formatMs and chartValue', () => {
  it('rounds to whole ms and shows an em dash when missing', () => {
    expect(formatMs(812.6)).toBe('813');
    expect(formatMs(0)).toBe('0');
    expect(formatMs(null)).toBe('—');
    expect(formatMs(Number.NaN)).toBe('—');
  });

  it('charts the browser figure, else the agent e2e', () => {
    const [withBrowser, agentOnly] = buildLatencyRows(
      [greeting, turn(2, 5_000), turn(3, 9_000)],
      [at(4_000, 810)],
    );
    expect(chartValue(withBrowser!)).toEqual({ ms: 810, source: 'browser' });
    expect(chartValue(agentOnly!)).toEqual({ ms: 300, source: 'agent' });
    expect(chartValue({ ...agentOnly!, e2eMs: null })).toBeNull();
  });
});
