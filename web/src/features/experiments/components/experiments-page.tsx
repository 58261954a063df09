import '../experiments.css';
import { useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { formatDateTime, formatNumber, useTranslate, type MessageKey } from '../../../i18n';
import { describeVariant } from '../experiment-form';
import { deleteExperiment, setRunning, type Experiment } from '../experiments-api';
import { useExperiments } from '../hooks/use-experiments';
import { ExperimentEditor } from './experiment-editor';
import { ExperimentResultsView } from './experiment-results';

const STATUS: Record<Experiment['status'], MessageKey> = {
  draft: 'experiments.draft',
  running: 'experiments.running',
  stopped: 'experiments.stopped',
};

/** Operators' A/B experiments: create a draft, start and stop it, read its results. */
export function ExperimentsPage() {
  const { data, loading, error, reload } = useExperiments();
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { t } = useTranslate();

  const act = (action: Promise<unknown>) => {
    setActionError(null);
    action.then(reload).catch((err: unknown) => setActionError(describeApiError(err)));
  };
  const shown = selected ?? data?.find((e) => e.status !== 'draft')?.id ?? null;

  return (
    <section className="experiments page" aria-labelledby="experiments-title">
      <h2 id="experiments-title">{t('experiments.title')}</h2>
      <p className="experiments-note">{t('experiments.note')}</p>
      {(error || actionError) && (
        <p className="alert-text" role="alert">
          {error ? t('experiments.loadFailed', { error }) : actionError}
        </p>
      )}
      {loading && !data && <p role="status">{t('app.loading')}</p>}
      {data && data.length === 0 && <p className="empty">{t('experiments.empty')}</p>}
      {data && data.length > 0 && (
        <ul className="experiment-list" aria-label={t('experiments.list')}>
          {data.map((experiment) => (
            <ExperimentItem
              key={experiment.id}
              experiment={experiment}
              selected={experiment.id === shown}
              onSelect={() => setSelected(experiment.id)}
              onStart={() => act(setRunning(experiment.id, true))}
              onStop={() => act(setRunning(experiment.id, false))}
              onDelete={() => {
                if (window.confirm(t('experiments.deleteQuestion', { name: experiment.name }))) {
                  act(deleteExperiment(experiment.id));
                }
              }}
            />
          ))}
        </ul>
      )}
      {shown && <ExperimentResultsView key={shown} id={shown} />}
      <ExperimentEditor onCreated={reload} />
    </section>
  );
}

function ExperimentItem(props: {
  experiment: Experiment;
  selected: boolean;
  onSelect: () => void;
  onStart: () => void;
  onStop: () => void;
  onDelete: () => void;
}) {
  const { experiment, selected, onSelect, onStart, onStop, onDelete } = props;
  const { t, language } = useTranslate();
  const seconds = (s: number) => new Intl.NumberFormat(language, { maximumFractionDigits: 3 }).format(s);
  return (
    <li className={selected ? 'experiment-item experiment-item-selected' : 'experiment-item'} data-testid="experiment">
      <div className="experiment-item-head">
        <strong>{experiment.name}</strong>
        <span className={`experiment-status experiment-status-${experiment.status}`}>{t(STATUS[experiment.status])}</span>
        {experiment.started_at && (
          <span className="experiment-when">
            {t('experiments.since', { when: formatDateTime(language, experiment.started_at) })}
          </span>
        )}
      </div>
      <ul className="variant-list">
        {experiment.variants.map((variant) => (
          <li key={variant.key}>
            <strong>{variant.key}</strong> {formatNumber(language, variant.split)} %: {describeVariant(t, seconds, variant)}
          </li>
        ))}
      </ul>
      <div className="experiment-actions">
        {experiment.status === 'draft' && (
          <button type="button" className="button button-primary" onClick={onStart}>
            {t('experiments.start')}
          </button>
        )}
        {experiment.status === 'running' && (
          <button type="button" className="button button-primary" onClick={onStop}>
            {t('experiments.stop')}
          </button>
        )}
        {experiment.status !== 'draft' && (
          <button type="button" className="button button-secondary" onClick={onSelect} aria-pressed={selected}>
            {t('experiments.results')}
          </button>
        )}
        {experiment.status !== 'running' && (
          <button type="button" className="button button-secondary" onClick={onDelete}>
            {t('experiments.delete')}
          </button>
        )}
      </div>
    </li>
  );
}
