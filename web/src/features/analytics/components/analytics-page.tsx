import { useState } from 'react';
import type { AnalyticsBreakdownRow, AnalyticsReport } from '../../../api/types';
import { formatDay, formatNumber, formatPercent, useTranslate, type MessageKey } from '../../../i18n';
import {
  conversationsPerDay,
  csvUrl,
  defaultRange,
  errorsBySource,
  formatSeconds,
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
const TABLES: { table: AnalyticsTable; label: MessageKey }[] = [
  { table: 'days', label: 'analytics.csvDays' },
  { table: 'latency', label: 'analytics.csvLatency' },
  { table: 'errors', label: 'analytics.csvErrors' },
  { table: 'breakdown', label: 'analytics.csvBreakdown' },
  { table: 'comments', label: 'analytics.csvComments' },
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
  const { t } = useTranslate();
  const set = (change: Partial<AnalyticsQuery>) => setQuery((q) => ({ ...q, ...change }));

  return (
    <section className="analytics page" aria-labelledby="analytics-title">
      <h2 id="analytics-title">{t('analytics.title')}</h2>
      <form className="analytics-filters" aria-label={t('analytics.filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('analytics.from')} <input type="date" value={query.from} max={query.to} required onChange={(e) => e.target.value && set({ from: e.target.value })} />
        </label>
        <label>
          {t('analytics.to')} <input type="date" value={query.to} min={query.from} required onChange={(e) => e.target.value && set({ to: e.target.value })} />
        </label>
        {operator && (
          <label>
            {t('analytics.whose')}{' '}
            <select value={query.scope} onChange={(e) => set({ scope: e.target.value as Scope })}>
              <option value="all">{t('analytics.everyone')}</option>
              <option value="mine">{t('analytics.mine')}</option>
            </select>
          </label>
        )}
        <label>
          {t('analytics.breakdownBy')}{' '}
          <select value={query.by} onChange={(e) => set({ by: e.target.value as Dimension })}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {t(`analytics.${d}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {state.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {state.status === 'failed' && (
        <p role="alert" className="alert-text">
          {t('analytics.loadFailed', { error: state.error })}
        </p>
      )}
      {report && <Report report={report} query={query} />}
    </section>
  );
}

function Report({ report, query }: { report: AnalyticsReport; query: AnalyticsQuery }) {
  const { t, language } = useTranslate();
  const totals = report.totals;
  const rated = report.ratings.up + report.ratings.down;
  const number = (value: number | null | undefined, digits = 0) => formatNumber(language, value, digits);
  return (
    <>
      <dl className="analytics-tiles" aria-label={t('analytics.totals')}>
        <Tile label={t('analytics.conversations')} value={number(totals.conversations)} />
        <Tile label={t('analytics.turnsPerCall')} value={number(totals.avg_turns, 1)} />
        <Tile label={t('analytics.callLength')} value={formatSeconds(t, totals.avg_duration_s)} />
        <Tile label={t('analytics.voiceToVoice')} value={`${number(totals.p50_ms)} / ${number(totals.p95_ms)} ms`} />
        <Tile label={t('analytics.interruptions')} value={number(totals.interruptions)} />
        <Tile label={t('analytics.errorsFallbacks')} value={`${number(totals.errors)} / ${number(totals.fallbacks)}`} />
        <Tile
          label={t('analytics.thumbsUp')}
          value={t('analytics.shareOf', { share: formatPercent(language, report.ratings.up_share), count: number(rated) })}
        />
      </dl>

      <div className="analytics-grid">
        <section aria-labelledby="per-day-title">
          <h3 id="per-day-title">{t('analytics.perDay')}</h3>
          <BarChart
            points={conversationsPerDay(report.from, report.to, report.days)}
            label={t('analytics.perDay')}
            unit={t('analytics.conversationsUnit')}
          />
        </section>
        <section aria-labelledby="latency-title">
          <h3 id="latency-title">{t('analytics.latency')}</h3>
          <LatencyLineChart points={latencyPerDay(report.from, report.to, report.latency)} />
        </section>
        <section aria-labelledby="ratings-title">
          <h3 id="ratings-title">{t('analytics.ratings')}</h3>
          <HBarChart
            label={t('analytics.ratings')}
            testId="ratings-chart"
            rows={
              rated
                ? [
                    {
                      label: t('analytics.thumbsUpRow'),
                      parts: [{ value: report.ratings.up, className: 'hbar-good', name: t('analytics.up') }],
                    },
                    {
                      label: t('analytics.thumbsDownRow'),
                      parts: [{ value: report.ratings.down, className: 'hbar-bad', name: t('analytics.down') }],
                    },
                  ]
                : []
            }
          />
        </section>
        <section aria-labelledby="errors-title">
          <h3 id="errors-title">{t('analytics.errorsBySource')}</h3>
          <HBarChart
            label={t('analytics.errorsBySource')}
            testId="errors-chart"
            rows={errorsBySource(report.errors).map((row) => ({
              label: row.source,
              parts: [
                { value: row.errors, className: 'hbar-bad', name: t('analytics.errors') },
                { value: row.fallbacks, className: 'hbar-warn', name: t('analytics.fallbacks') },
              ],
            }))}
          />
        </section>
      </div>

      <h3>{t('analytics.byDimension', { dimension: t(`analytics.${report.by}`) })}</h3>
      <BreakdownTable rows={report.breakdown} by={report.by} />

      <h3>{t('analytics.comments')}</h3>
      {report.comments.length === 0 ? (
        <p className="empty">{t('analytics.noComments')}</p>
      ) : (
        <ul className="analytics-comments" aria-label={t('analytics.comments')}>
          {report.comments.slice(0, COMMENTS_SHOWN).map((c) => (
            <li key={c.conversation_id}>
              <span className="visually-hidden">
                {c.score === 'up' ? t('analytics.commentUp') : t('analytics.commentDown')}
              </span>
              <ThumbIcon up={c.score === 'up'} size={16} /> {c.comment}{' '}
              <time dateTime={c.rated_at}>{formatDay(language, c.rated_at)}</time>
            </li>
          ))}
        </ul>
      )}
      {report.comments.length > COMMENTS_SHOWN && (
        <p className="empty">
          {t('analytics.newestComments', { shown: number(COMMENTS_SHOWN), total: number(report.comments.length) })}
        </p>
      )}

      <p className="analytics-csv">
        {t('analytics.csv')}{' '}
        {TABLES.map(({ table, label }) => (
          <a key={table} className="button button-secondary" href={csvUrl(table, query)} download>
            {t(label)}
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

function BreakdownTable({ rows, by }: { rows: readonly AnalyticsBreakdownRow[]; by: Dimension }) {
  const { t, language } = useTranslate();
  const number = (value: number | null | undefined, digits = 0) => formatNumber(language, value, digits);
  if (rows.length === 0) return <p className="empty">{t('analytics.noConversations')}</p>;
  return (
    <div className="table-scroll">
      <table className="analytics-table" data-testid="breakdown-table">
        <thead>
          <tr>
            <th scope="col">{t(`analytics.${by}`)}</th>
            <th scope="col">{t('analytics.calls')}</th>
            <th scope="col">{t('analytics.turns')}</th>
            <th scope="col">{t('analytics.length')}</th>
            <th scope="col">{t('analytics.p50')}</th>
            <th scope="col">{t('analytics.p95')}</th>
            <th scope="col">{t('analytics.interrupted')}</th>
            <th scope="col">{t('analytics.errorsColumn')}</th>
            <th scope="col">{t('analytics.fallbacksColumn')}</th>
            <th scope="col">{t('analytics.upDown')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key ?? ''}>
              <th scope="row">{row.key ?? t('analytics.unknown')}</th>
              <td>{number(row.conversations)}</td>
              <td>{number(row.avg_turns, 1)}</td>
              <td>{formatSeconds(t, row.avg_duration_s)}</td>
              <td>{number(row.p50_ms)}</td>
              <td>{number(row.p95_ms)}</td>
              <td>{number(row.interruptions)}</td>
              <td>{number(row.errors)}</td>
              <td>{number(row.fallbacks)}</td>
              <td>
                {number(row.up)} / {number(row.down)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
