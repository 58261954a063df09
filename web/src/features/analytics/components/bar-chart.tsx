import { useId } from 'react';
import { formatDay, formatNumber, useTranslate } from '../../../i18n';
import { niceMax, type DayPoint } from '../analytics-data';

const W = 640;
const H = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

/** Bars per day, with the axis's top value and the first and last dates. */
export function BarChart({ points, label, unit }: { points: readonly DayPoint[]; label: string; unit: string }) {
  const titleId = useId();
  const { t, language } = useTranslate();
  if (points.length === 0) return null;
  const top = niceMax(Math.max(...points.map((p) => p.value)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const bar = Math.max(1, slot * 0.75);
  const total = points.reduce((sum, p) => sum + p.value, 0);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} data-testid="bar-chart">
      <title id={titleId}>
        {t('analytics.perDayChart', {
          label,
          total: formatNumber(language, total),
          unit,
          days: formatNumber(language, points.length),
          max: formatNumber(language, Math.max(...points.map((p) => p.value))),
        })}
      </title>
      <Axis top={top} />
      {points.map((point, index) => {
        const h = (point.value / top) * plotH;
        return (
          <rect
            key={point.day}
            className="chart-bar"
            x={PAD.left + index * slot + (slot - bar) / 2}
            y={PAD.top + plotH - h}
            width={bar}
            height={h}
          >
            <title>{`${formatDay(language, point.day)}: ${formatNumber(language, point.value)} ${unit}`}</title>
          </rect>
        );
      })}
      <DayLabels first={points[0]!.day} last={points[points.length - 1]!.day} />
    </svg>
  );
}

export function Axis({ top, suffix = '' }: { top: number; suffix?: string }) {
  const { language } = useTranslate();
  const plotH = H - PAD.top - PAD.bottom;
  return (
    <g className="chart-axis">
      {[0, 0.5, 1].map((f) => {
        const y = PAD.top + plotH - f * plotH;
        return (
          <g key={f}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} />
            <text className="chart-label" x={PAD.left - 4} y={y + 4} textAnchor="end">
              {`${formatNumber(language, top * f)}${suffix}`}
            </text>
          </g>
        );
      })}
    </g>
  );
}

export function DayLabels({ first, last }: { first: string; last: string }) {
  const { language } = useTranslate();
  return (
    <g className="chart-axis">
      <text className="chart-label" x={PAD.left} y={H - 6}>
        {formatDay(language, first)}
      </text>
      <text className="chart-label" x={W - PAD.right} y={H - 6} textAnchor="end">
        {formatDay(language, last)}
      </text>
    </g>
  );
}

export const CHART = { W, H, PAD };
