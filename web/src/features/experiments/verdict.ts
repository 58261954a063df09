import type { ResultMetric } from '../../api/types';
import { formatNumber, type PageLanguage, type Translate } from '../../i18n';

/** What a result cell says about its difference from the control. */
export function verdict(t: Translate, language: PageLanguage, metric: ResultMetric, isControl: boolean): string {
  if (isControl) return t('experiments.control');
  if (metric.p_value == null) return t('experiments.notEnoughData');
  const p =
    metric.p_value < 0.001 ? `p < ${formatNumber(language, 0.001, 3)}` : `p = ${formatNumber(language, metric.p_value, 3)}`;
  return metric.significant ? t('experiments.significant', { p }) : t('experiments.notYet', { p });
}

/** A metric's value for reading: a share as a percentage, a mean with its unit. */
export function formatValue(language: PageLanguage, value: number | null | undefined, kind: 'share' | 'ms' | 'count'): string {
  if (value == null) return '–';
  if (kind === 'share') return `${formatNumber(language, value * 100, 1)} %`;
  if (kind === 'ms') return `${formatNumber(language, value)} ms`;
  return formatNumber(language, value, 2);
}
