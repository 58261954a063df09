import { useState } from 'react';
import type { AnalyticsBreakdownRow, AnalyticsReport } from '../../../api/types';
import {
  conversationsPerDay,
  csvUrl,
  defaultRange,
  errorsBySource,
  formatNumber,
  formatSeconds,
  formatShare,
  latencyPerDay,
  type AnalyticsQuery,
  type AnalyticsTable,
  type Dimension,
  type Scope,
} from '../analytics-data';
import { useAnalytics } from '../hooks/use-analytics';
import { ThumbIcon } from '../../rating/components/thumb-icon';
import { BarChart } from './bar-chart';
import { HBarChart } from './hbar-chart';
import { LatencyLineChart } from './line-chart';
import './analytics.css';

const COMMENTS_SHOWN = 10;
const DIMENSIONS: Dimension[] = ['persona', 'voice', 'provider', 'language'];
const TABLES: { table: AnalyticsTable; label: string }[] = [
  { table: 'days', label: 'Per day' },
  { table: 'latency', label: 'Latency' },
  { table: 'errors', label: 'Errors' },
  { table: 'breakdown', label: 'Breakdown' },
  { table: 'comments', label: 'Comments' },
];

/** Conversations, latency, errors and ratings over a range of UTC days; an operator may
 * look at everyone's, anyone else at their own. */
export function AnalyticsPage({ operator, today = new Date() }: { operator: boolean; today?: Date }) {
  const [query, setQuery] = useState<AnalyticsQuery>(() => ({
    ...defaultRange(today),
    scope: operator ? 'all' : 'mine',
    by: 'persona',
  }));
  const state = useAnalytics(query);
  const report = state.status === 'ready' ? state.report : state.status === 'loading' ? state.last : null;
  const set = (change: Partial<AnalyticsQuery>) => setQuery((q) => ({ ...q, ...change }));

  return (
    <section className="analytics page" aria-labelledby="analytics-title">
      <h2 id="analytics-title">Analytics</h2>
      <form className="analytics-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={query.from} max={query.to} required onChange={(e) => e.target.value && set({ from: e.target.value })} />
        </label>
        <label>
          To <input type="date" value={query.to} min={query.from} required onChange={(e) => e.target.value && set({ to: e.target.value })} />
        </label>
        {operator && (
          <label>
            Whose{' '}
            <select value={query.scope} onChange={(e) => set({ scope: e.target.value as Scope })}>
              <option value="all">Everyone's</option>
              <option value="mine">Mine</option>
            </select>
          </label>
        )}
        <label>
          Breakdown by{' '}
          <select value={query.by} onChange={(e) => set({ by: e.target.value as Dimension })}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      </form>
      {state.status === 'loading' && <p role="status">Loading…</p>}
      {state.status === 'failed' && (
        <p role="alert" className="alert-text">
          Could not load the analytics: {state.error}
        </p>
      )}
      {report && <Report report={report} query={query} />}
    </section>
  );
}

function Report({ report, query }: { report: AnalyticsReport; query: AnalyticsQuery }) {
  const totals = report.totals;
  const rated = report.ratings.up + report.ratings.down;
  return (
    <>
      <dl className="analytics-tiles" aria-label="Totals">
        <Tile label="Conversations" value={String(totals.conversations)} />
        <Tile label="Turns per call" value={formatNumber(totals.avg_turns, 1)} />
        <Tile label="Call length" value={formatSeconds(totals.avg_duration_s)} />
        <Tile label="Voice to voice p50 / p95" value={`${formatNumber(totals.p50_ms)} / ${formatNumber(totals.p95_ms)} ms`} />
        <Tile label="Interruptions" value={String(totals.interruptions)} />
        <Tile label="Errors / fallbacks" value={`${totals.errors} / ${totals.fallbacks}`} />
        <Tile label="Thumbs up" value={`${formatShare(report.ratings.up_share)} of ${rated}`} />
      </dl>

      <div className="analytics-grid">
        <section aria-labelledby="per-day-title">
          <h3 id="per-day-title">Conversations per day</h3>
          <BarChart points={conversationsPerDay(report.from, report.to, report.days)} label="Conversations per day" unit="conversations" />
        </section>
        <section aria-labelledby="latency-title">
          <h3 id="latency-title">Voice-to-voice latency</h3>
          <LatencyLineChart points={latencyPerDay(report.from, report.to, report.latency)} />
        </section>
        <section aria-labelledby="ratings-title">
          <h3 id="ratings-title">Ratings</h3>
          <HBarChart
            label="Ratings"
            testId="ratings-chart"
            rows={
              rated
                ? [
                    { label: 'thumbs up', parts: [{ value: report.ratings.up, className: 'hbar-good', name: 'up' }] },
                    { label: 'thumbs down', parts: [{ value: report.ratings.down, className: 'hbar-bad', name: 'down' }] },
                  ]
                : []
            }
          />
        </section>
        <section aria-labelledby="errors-title">
          <h3 id="errors-title">Errors and fallbacks by source</h3>
          <HBarChart
            label="Errors and fallbacks by source"
            testId="errors-chart"
            rows={errorsBySource(report.errors).map((row) => ({
              label: row.source,
              parts: [
                { value: row.errors, className: 'hbar-bad', name: 'errors' },
                { value: row.fallbacks, className: 'hbar-warn', name: 'fallbacks' },
              ],
            }))}
          />
        </section>
      </div>

      <h3>By {report.by}</h3>
      <BreakdownTable rows={report.breakdown} by={report.by} />

      <h3>Comments</h3>
      {report.comments.length === 0 ? (
        <p className="empty">No comments in this range.</p>
      ) : (
        <ul className="analytics-comments" aria-label="Comments">
          {report.comments.slice(0, COMMENTS_SHOWN).map((c) => (
            <li key={c.conversation_id}>
              <span className="visually-hidden">{c.score === 'up' ? 'thumbs up: ' : 'thumbs down: '}</span>
              <ThumbIcon up={c.score === 'up'} size={16} /> {c.comment}{' '}
              <time dateTime={c.rated_at}>{c.rated_at.slice(0, 10)}</time>
            </li>
          ))}
        </ul>
      )}
      {report.comments.length > COMMENTS_SHOWN && (
        <p className="empty">The newest {COMMENTS_SHOWN} of {report.comments.length}: all are in the Comments CSV.</p>
      )}

      <p className="analytics-csv">
        CSV:{' '}
        {TABLES.map(({ table, label }) => (
          <a key={table} className="button button-secondary" href={csvUrl(table, query)} download>
            {label}
          </a>
        ))}
      </p>
    </>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="analytics-tile">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function BreakdownTable({ rows, by }: { rows: readonly AnalyticsBreakdownRow[]; by: string }) {
  if (rows.length === 0) return <p className="empty">No conversations in this range.</p>;
  return (
    <div className="table-scroll">
      <table className="analytics-table" data-testid="breakdown-table">
        <thead>
          <tr>
            <th scope="col">{by}</th>
            <th scope="col">Calls</th>
            <th scope="col">Turns</th>
            <th scope="col">Length</th>
            <th scope="col">p50 ms</th>
            <th scope="col">p95 ms</th>
            <th scope="col">Interrupted</th>
            <th scope="col">Errors</th>
            <th scope="col">Fallbacks</th>
            <th scope="col">Up / down</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key ?? ''}>
              <th scope="row">{row.key ?? 'unknown'}</th>
              <td>{row.conversations}</td>
              <td>{formatNumber(row.avg_turns, 1)}</td>
              <td>{formatSeconds(row.avg_duration_s)}</td>
              <td>{formatNumber(row.p50_ms)}</td>
              <td>{formatNumber(row.p95_ms)}</td>
              <td>{row.interruptions}</td>
              <td>{row.errors}</td>
              <td>{row.fallbacks}</td>
              <td>
                {row.up} / {row.down}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
