import { useId } from 'react';
import { useTranslate } from '../../../i18n';
import { chartValue, formatMs, type LatencyRow } from '../latency-rows';

const WIDTH = 300;
const HEIGHT = 80;
const PAD = 8;

type LatencyChartProps = {
  /** Oldest first. */
  rows: ReadonlyArray<LatencyRow>;
};

/** Latency per turn over the call: what the user felt, else the agent's e2e figure. */
export function LatencyChart({ rows }: LatencyChartProps) {
  const titleId = useId();
  const { t } = useTranslate();
  const points = rows.flatMap((row) => {
    const value = chartValue(row);
    return value ? [{ key: row.key, ...value }] : [];
  });
  if (points.length === 0) return null;

  const max = Math.max(...points.map((point) => point.ms), 1);
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const coords = points.map((point, index) => ({
    ...point,
    x: points.length > 1 ? PAD + index * step : WIDTH / 2,
    y: HEIGHT - PAD - (point.ms / max) * (HEIGHT - 2 * PAD),
  }));
  const summary = coords
    .map((point) => t(point.source === 'agent' ? 'latency.pointAgent' : 'latency.point', { ms: formatMs(point.ms) }))
    .join(', ');

  return (
    <svg
      className="latency-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby={titleId}
      data-testid="latency-chart"
    >
      <title id={titleId}>{t('latency.chart', { peak: formatMs(max), points: summary })}</title>
      <line className="latency-chart-axis" x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} />
      {coords.length > 1 && (
        <polyline
          className="latency-chart-line"
          points={coords.map((point) => `${point.x},${point.y}`).join(' ')}
        />
      )}
      {coords.map((point) => (
        <circle
          key={point.key}
          className="latency-chart-point"
          data-source={point.source}
          cx={point.x}
          cy={point.y}
          r={3.5}
        />
      ))}
    </svg>
  );
}
