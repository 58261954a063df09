import type { ExperimentResults, ResultMetric, VariantResult } from '../../../api/types';
import { useResults } from '../hooks/use-experiments';
import { formatValue, verdict } from '../verdict';
import { CiBar, scaleFor } from './ci-bar';

type MetricKey = 'rating_up' | 'error_rate' | 'v2v_ms' | 'turns' | 'interruptions';
const METRICS: { key: MetricKey; label: string; kind: 'share' | 'ms' | 'count' }[] = [
  { key: 'rating_up', label: 'Thumbs up', kind: 'share' },
  { key: 'v2v_ms', label: 'Voice-to-voice latency', kind: 'ms' },
  { key: 'turns', label: 'Turns per call', kind: 'count' },
  { key: 'interruptions', label: 'Interruptions per call', kind: 'count' },
  { key: 'error_rate', label: 'Calls with an error', kind: 'share' },
];

export function ExperimentResultsView({ id }: { id: string }) {
  const { data, loading, error, reload } = useResults(id);
  return (
    <section className="experiment-results" aria-label="Results">
      <div className="experiment-results-head">
        <h3>Results</h3>
        <button type="button" className="button button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      {error && (
        <p className="alert-text" role="alert">
          Could not load the results: {error}
        </p>
      )}
      {loading && !data && <p role="status">Loading…</p>}
      {data && <ResultsTable results={data} />}
    </section>
  );
}

function ResultsTable({ results }: { results: ExperimentResults }) {
  return (
    <>
      {METRICS.map(({ key, label, kind }) => {
        const scale = scaleFor(results.variants.map((v) => v[key]));
        return (
          <table className="results-table" key={key} aria-label={label}>
            <caption>{label}</caption>
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">n</th>
                <th scope="col">Value</th>
                <th scope="col">95 % interval</th>
                <th scope="col">
                  <span className="visually-hidden">Interval chart</span>
                </th>
                <th scope="col">Against {results.control}</th>
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
  const said = verdict(metric, isControl);
  return (
    <tr data-testid={`result-${variant.key}`}>
      <th scope="row">{variant.key}</th>
      <td>{metric.n}</td>
      <td>{formatValue(metric.value, kind)}</td>
      <td>
        {metric.low == null || metric.high == null
          ? '–'
          : `${formatValue(metric.low, kind)} – ${formatValue(metric.high, kind)}`}
      </td>
      <td>
        <CiBar metric={metric} scale={scale} label={label} />
      </td>
      <td className={metric.significant ? 'verdict verdict-significant' : 'verdict'}>{said}</td>
    </tr>
  );
}
