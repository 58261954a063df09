import type { ResultMetric } from '../../../api/types';
import { useTranslate, type PageLanguage } from '../../../i18n';

/** Three significant digits, as the page's language writes them ("0.770", "0,770"). */
const threeDigits = (language: PageLanguage, value: number) =>
  new Intl.NumberFormat(language, { minimumSignificantDigits: 3, maximumSignificantDigits: 3 }).format(value);

const WIDTH = 140;
const HEIGHT = 18;

/** The scale every variant's bar of one metric shares: from the lowest low to the highest high. */
export function scaleFor(metrics: ResultMetric[]): [number, number] {
  const ends = metrics.flatMap((m) => [m.low, m.high, m.value]).filter((v): v is number => v != null);
  if (ends.length === 0) return [0, 1];
  const [min, max] = [Math.min(...ends), Math.max(...ends)];
  const pad = (max - min) * 0.05 || Math.abs(max) * 0.05 || 1;
  return [min - pad, max + pad];
}

/** A 95 % interval as a line with its estimate as a dot (hand-made SVG, no chart library). */
export function CiBar({ metric, scale, label }: { metric: ResultMetric; scale: [number, number]; label: string }) {
  const { t, language } = useTranslate();
  const [min, max] = scale;
  const x = (v: number) => 4 + ((v - min) / (max - min)) * (WIDTH - 8);
  const y = HEIGHT / 2;
  if (metric.value == null) {
    return <svg width={WIDTH} height={HEIGHT} role="img" aria-label={t('experiments.noData', { label })} />;
  }
  if (metric.low == null || metric.high == null) {
    return (
      <svg className="ci-bar" width={WIDTH} height={HEIGHT} role="img" aria-label={t('experiments.noInterval', { label, value: threeDigits(language, metric.value) })}>
        <line x1={4} x2={WIDTH - 4} y1={y} y2={y} className="ci-axis" />
        <circle cx={x(metric.value)} cy={y} r={3.5} className="ci-dot" />
      </svg>
    );
  }
  return (
    <svg
      className={metric.significant ? 'ci-bar ci-bar-significant' : 'ci-bar'}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={t('experiments.withInterval', {
        label,
        value: threeDigits(language, metric.value),
        low: threeDigits(language, metric.low),
        high: threeDigits(language, metric.high),
      })}
    >
      <line x1={4} x2={WIDTH - 4} y1={y} y2={y} className="ci-axis" />
      <line x1={x(metric.low)} x2={x(metric.high)} y1={y} y2={y} className="ci-range" />
      <line x1={x(metric.low)} x2={x(metric.low)} y1={y - 4} y2={y + 4} className="ci-range" />
      <line x1={x(metric.high)} x2={x(metric.high)} y1={y - 4} y2={y + 4} className="ci-range" />
      <circle cx={x(metric.value)} cy={y} r={3.5} className="ci-dot" />
    </svg>
  );
}
