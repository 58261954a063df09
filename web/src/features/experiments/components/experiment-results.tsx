import type { ExperimentResults, ResultMetric, VariantResult } from '../../../api/types';
import { formatNumber, useTranslate, type MessageKey } from '../../../i18n';
import { useResults } from '../hooks/use-experiments';
import { formatValue, verdict } from '../verdict';
import { CiBar, scaleFor } from './ci-bar';

type MetricKey = 'rating_up' | 'error_rate' | 'v2v_ms' | 'turns' | 'interruptions';
const METRICS: { key: MetricKey; label: MessageKey; kind: 'share' | 'ms' | 'count' }[] = [
  { key: 'rating_up', label: 'experiments.metricThumbsUp', kind: 'share' },
  { key: 'v2v_ms', label: 'experiments.metricLatency', kind: 'ms' },
  { key: 'turns', label: 'experiments.metricTurns', kind: 'count' },
  { key: 'interruptions', label: 'experiments.metricInterruptions', kind: 'count' },
  { key: 'error_rate', label: 'experiments.metricErrors', kind: 'share' },
];

export function ExperimentResultsView({ id }: { id: string }) {
  const { data, loading, error, reload } = useResults(id);
  const { t } = useTranslate();
  return (
    <section className="experiment-results" aria-label={t('experiments.results')}>
      <div className="experiment-results-head">
        <h3>{t('experiments.results')}</h3>
        <button type="button" className="button button-secondary" onClick={reload}>
          {t('experiments.refresh')}
        </button>
      </div>
      {error && (
        <p className="alert-text" role="alert">
          {t('experiments.resultsFailed', { error })}
        </p>
      )}
      {loading && !data && <p role="status">{t('app.loading')}</p>}
      {data && <ResultsTable results={data} />}
    </section>
  );
}

function ResultsTable({ results }: { results: ExperimentResults }) {
  const { t } = useTranslate();
  return (
    <>
      {METRICS.map(({ key, label: labelKey, kind }) => {
        const label = t(labelKey);
        const scale = scaleFor(results.variants.map((v) => v[key]));
        return (
          <table className="results-table" key={key} aria-label={label}>
            <caption>{label}</caption>
            <thead>
              <tr>
                <th scope="col">{t('experiments.variant')}</th>
                <th scope="col">{t('experiments.n')}</th>
                <th scope="col">{t('experiments.value')}</th>
                <th scope="col">{t('experiments.interval')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('experiments.intervalChart')}</span>
                </th>
                <th scope="col">{t('experiments.against', { control: results.control })}</th>
              </tr>
            </thead>
            <tbody>
              {results.variants.map((variant, index) => (
                <MetricRow
                  key={variant.key}
                  variant={variant}
                  metric={variant[key]}
                  kind={kind}
                  scale={scale}
                  isControl={index === 0}
                  label={`${label}, ${variant.key}`}
                />
              ))}
            </tbody>
          </table>
        );
      })}
      <p className="results-method">{results.method}</p>
    </>
  );
}

function MetricRow(props: {
  variant: VariantResult;
  metric: ResultMetric;
  kind: 'share' | 'ms' | 'count';
  scale: [number, number];
  isControl: boolean;
  label: string;
}) {
  const { variant, metric, kind, scale, isControl, label } = props;
  const { t, language } = useTranslate();
  const said = verdict(t, language, metric, isControl);
  return (
    <tr data-testid={`result-${variant.key}`}>
      <th scope="row">{variant.key}</th>
      <td>{formatNumber(language, metric.n)}</td>
      <td>{formatValue(language, metric.value, kind)}</td>
      <td>
        {metric.low == null || metric.high == null
          ? '–'
          : `${formatValue(language, metric.low, kind)} – ${formatValue(language, metric.high, kind)}`}
      </td>
      <td>
        <CiBar metric={metric} scale={scale} label={label} />
      </td>
      <td className={metric.significant ? 'verdict verdict-significant' : 'verdict'}>{said}</td>
    </tr>
  );
}
