import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n';
import {
  conversationsPerDay,
  csvUrl,
  daysBetween,
  defaultRange,
  errorsBySource,
  formatSeconds,
  latencyPerDay,
  niceMax,
  segments,
} from './analytics-data';

const day = (d: string, conversations: number) => ({
  day: d,
  conversations,
  turns: 0,
  avg_turns: null,
  avg_duration_s: null,
  interruptions: 0,
  errors: 0,
  fallbacks: 0,
});

describe('analytics data shaping', () => {
  it('lists every UTC day of a range, across a month end', () => {
    expect(daysBetween('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(daysBetween('2026-01-02', '2026-01-01')).toEqual([]);
    expect(defaultRange(new Date('2026-03-10T23:59:00Z'))).toEqual({ from: '2026-02-09', to: '2026-03-10' });
  });

  it('fills the days without conversations with zeros', () => {
    const points = conversationsPerDay('2026-01-01', '2026-01-03', [day('2026-01-01', 2), day('2026-01-03', 5)]);
    expect(points).toEqual([
      { day: '2026-01-01', value: 2 },
      { day: '2026-01-02', value: 0 },
      { day: '2026-01-03', value: 5 },
    ]);
  });

  it('keeps latency gaps as gaps and splits the lines there', () => {
    const points = latencyPerDay('2026-01-01', '2026-01-04', [
      { day: '2026-01-01', replies: 3, p50_ms: 300, p95_ms: 480 },
      { day: '2026-01-02', replies: 1, p50_ms: 320, p95_ms: 320 },
      { day: '2026-01-04', replies: 2, p50_ms: 400, p95_ms: 580 },
    ]);
    expect(points[2]).toEqual({ day: '2026-01-03', p50: null, p95: null });
    const runs = segments(points, (p) => p.p50);
    expect(runs).toEqual([
      [
        { index: 0, value: 300 },
        { index: 1, value: 320 },
      ],
      [{ index: 3, value: 400 }],
    ]);
  });

  it('orders sources by errors and fallbacks and rounds axis tops', () => {
    const rows = errorsBySource([
      { source: 'stt', errors: 1, fallbacks: 0 },
      { source: 'llm', errors: 2, fallbacks: 3 },
      { source: 'tts', errors: 1, fallbacks: 0 },
    ]);
    expect(rows.map((r) => r.source)).toEqual(['llm', 'stt', 'tts']);
    expect([niceMax(0), niceMax(7), niceMax(10), niceMax(480), niceMax(1234)]).toEqual([1, 10, 10, 500, 2000]);
  });

  it('formats durations and the CSV links', () => {
    const t = translate('en');
    expect([formatSeconds(t, 45.2), formatSeconds(t, 150), formatSeconds(t, null)]).toEqual(['45 s', '2 min 30 s', '—']);
    expect(csvUrl('days', { from: '2026-01-01', to: '2026-01-31', scope: 'all', by: 'voice' })).toBe(
      '/api/analytics/days.csv?from=2026-01-01&to=2026-01-31&scope=all&by=voice',
    );
  });
});
