import type { ResultMetric } from '../../api/types';

/** What a result cell says about its difference from the control. */
export function verdict(metric: ResultMetric, isControl: boolean): string {
  if (isControl) return 'control';
  if (metric.p_value == null) return 'not enough data';
  const p = metric.p_value < 0.001 ? 'p < 0.001' : `p = ${metric.p_value.toFixed(3)}`;
  return metric.significant ? `significant (${p})` : `not yet (${p})`;
}

/** A metric's value for reading: a share as a percentage, a mean with its unit. */
export function formatValue(value: number | null | undefined, kind: 'share' | 'ms' | 'count'): string {
  if (value == null) return '–';
  if (kind === 'share') return `${(value * 100).toFixed(1)} %`;
  if (kind === 'ms') return `${Math.round(value)} ms`;
  return value.toFixed(2);
}
