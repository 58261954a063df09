import type { Translate } from '../../i18n';
import type { AnalyticsDayRow, AnalyticsErrorRow, AnalyticsLatencyRow } from '../../api/types';

export type Scope = 'mine' | 'all';
export type Dimension = 'persona' | 'voice' | 'provider' | 'language';
export type AnalyticsTable = 'days' | 'latency' | 'errors' | 'breakdown' | 'comments';
export type AnalyticsQuery = { from: string; to: string; scope: Scope; by: Dimension };

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of a UTC day. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The range the page opens with: the last `days` UTC days, today included. */
export function defaultRange(today: Date, days = 30): { from: string; to: string } {
  return { from: isoDay(new Date(today.getTime() - (days - 1) * DAY_MS)), to: isoDay(today) };
}

/** Every day from `from` to `to` (both included); empty when `from` is after `to`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const last = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= last && out.length < 3700; t += DAY_MS) {
    out.push(isoDay(new Date(t)));
  }
  return out;
}

export type DayPoint = { day: string; value: number };

/** Conversations per day with the days that had none as zeros, so the bars keep their dates. */
export function conversationsPerDay(from: string, to: string, rows: readonly AnalyticsDayRow[]): DayPoint[] {
  const byDay = new Map(rows.map((row) => [row.day, row.conversations]));
  return daysBetween(from, to).map((day) => ({ day, value: byDay.get(day) ?? 0 }));
}

export type LatencyPoint = { day: string; p50: number | null; p95: number | null };

/** p50 and p95 per day; a day without replies is a gap (null), not a zero. */
export function latencyPerDay(from: string, to: string, rows: readonly AnalyticsLatencyRow[]): LatencyPoint[] {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  return daysBetween(from, to).map((day) => {
    const row = byDay.get(day);
    return { day, p50: row?.p50_ms ?? null, p95: row?.p95_ms ?? null };
  });
}

/** Sources with the most errors and fallbacks first. */
export function errorsBySource(rows: readonly AnalyticsErrorRow[]): AnalyticsErrorRow[] {
  return [...rows].sort((a, b) => b.errors + b.fallbacks - (a.errors + a.fallbacks) || a.source.localeCompare(b.source));
}

/** A round number at or above `value` for an axis's top (1, 2, 5 × 10^n). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

/** Runs of consecutive points with a value: one polyline each, so gaps stay gaps. */
export function segments<T>(points: readonly T[], value: (point: T) => number | null): { index: number; value: number }[][] {
  const out: { index: number; value: number }[][] = [];
  let run: { index: number; value: number }[] = [];
  points.forEach((point, index) => {
    const v = value(point);
    if (v === null) {
      if (run.length) out.push(run);
      run = [];
    } else {
      run.push({ index, value: v });
    }
  });
  if (run.length) out.push(run);
  return out;
}

export /** A call's length as "45 s" or "2 min 30 s"; an em dash when unknown. */
function formatSeconds(t: Translate, seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return t('analytics.seconds', { s: String(Math.round(seconds)) });
  const m = Math.floor(seconds / 60);
  return t('analytics.minutes', { m: String(m), s: String(Math.round(seconds - m * 60)) });
}

/** The same-origin URL of one table as CSV (the browser sends the sign-in cookie). */
export function csvUrl(table: AnalyticsTable, query: AnalyticsQuery): string {
  const params = new URLSearchParams({ from: query.from, to: query.to, scope: query.scope, by: query.by });
  return `/api/analytics/${table}.csv?${params.toString()}`;
}
