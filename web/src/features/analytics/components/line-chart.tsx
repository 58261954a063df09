import { useId } from 'react';
import { formatNumber, useTranslate } from '../../../i18n';
import { niceMax, segments, type LatencyPoint } from '../analytics-data';
import { Axis, CHART, DayLabels } from './bar-chart';

const SERIES: readonly { key: 'p50' | 'p95'; className: string }[] = [
  { key: 'p50', className: 'chart-line-p50' },
  { key: 'p95', className: 'chart-line-p95' },
];

/** Voice-to-voice p50 and p95 per day, in ms; days without replies are gaps. */
export function LatencyLineChart({ points }: { points: readonly LatencyPoint[] }) {
  const titleId = useId();
  const { t, language } = useTranslate();
  const values = points.flatMap((p) => [p.p50, p.p95]).filter((v): v is number => v !== null);
  if (values.length === 0) return <p className="empty">{t('analytics.noLatency')}</p>;
  const { W, H, PAD } = CHART;
  const top = niceMax(Math.max(...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (points.length > 1 ? (index / (points.length - 1)) * plotW : plotW / 2);
  const y = (value: number) => PAD.top + plotH - (value / top) * plotH;
  const median = (key: 'p50' | 'p95') => {
    const v = points.map((p) => p[key]).filter((n): n is number => n !== null).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? 0;
  };
  return (
    <figure className="chart-figure">
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} data-testid="latency-line-chart">
        <title id={titleId}>
          {t('analytics.latencyChart', {
            p50: formatNumber(language, median('p50')),
            p95: formatNumber(language, median('p95')),
          })}
        </title>
        <Axis top={top} />
        {SERIES.map((series) =>
          segments(points, (p) => p[series.key]).map((run) =>
            run.length === 1 ? (
              <circle key={`${series.key}-${run[0]!.index}`} className={series.className} cx={x(run[0]!.index)} cy={y(run[0]!.value)} r={3} />
            ) : (
              <polyline
                key={`${series.key}-${run[0]!.index}`}
                className={`chart-line ${series.className}`}
                points={run.map((p) => `${x(p.index)},${y(p.value)}`).join(' ')}
              />
            ),
          ),
        )}
        <DayLabels first={points[0]!.day} last={points[points.length - 1]!.day} />
      </svg>
      <figcaption className="chart-legend">
        {SERIES.map((series) => (
          <span key={series.key}>
            <span className={`chart-swatch ${series.className}`} aria-hidden="true" /> {`${series.key} (ms)`}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
