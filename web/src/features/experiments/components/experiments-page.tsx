import '../experiments.css';
import { useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { describeVariant } from '../experiment-form';
import { deleteExperiment, setRunning, type Experiment } from '../experiments-api';
import { useExperiments } from '../hooks/use-experiments';
import { ExperimentEditor } from './experiment-editor';
import { ExperimentResultsView } from './experiment-results';

/** Operators' A/B experiments: create a draft, start and stop it, read its results. */
export function ExperimentsPage() {
  const { data, loading, error, reload } = useExperiments();
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const act = (action: Promise<unknown>) => {
    setActionError(null);
    action.then(reload).catch((err: unknown) => setActionError(describeApiError(err)));
  };
  const shown = selected ?? data?.find((e) => e.status !== 'draft')?.id ?? null;

  return (
    <section className="experiments page" aria-labelledby="experiments-title">
      <h2 id="experiments-title">Experiments</h2>
      <p className="experiments-note">
        Each new call of a user lands in the same variant of the running experiment (one runs at a time); a
        variant's persona and voice win over the user's pick.
      </p>
      {(error || actionError) && (
        <p className="alert-text" role="alert">
          {error ? `Could not load the experiments: ${error}` : actionError}
        </p>
      )}
      {loading && !data && <p role="status">Loading…</p>}
      {data && data.length === 0 && <p className="empty">No experiments yet.</p>}
      {data && data.length > 0 && (
        <ul className="experiment-list" aria-label="Experiments">
          {data.map((experiment) => (
            <ExperimentItem
              key={experiment.id}
              experiment={experiment}
              selected={experiment.id === shown}
              onSelect={() => setSelected(experiment.id)}
              onStart={() => act(setRunning(experiment.id, true))}
              onStop={() => act(setRunning(experiment.id, false))}
              onDelete={() => {
                if (window.confirm(`Delete “${experiment.name}”? Its calls stay, unassigned.`)) {
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
  return (
    <li className={selected ? 'experiment-item experiment-item-selected' : 'experiment-item'} data-testid="experiment">
      <div className="experiment-item-head">
        <strong>{experiment.name}</strong>
        <span className={`experiment-status experiment-status-${experiment.status}`}>{experiment.status}</span>
        {experiment.started_at && <span className="experiment-when">since {new Date(experiment.started_at).toLocaleString()}</span>}
      </div>
      <ul className="variant-list">
        {experiment.variants.map((variant) => (
          <li key={variant.key}>
            <strong>{variant.key}</strong> {variant.split} %: {describeVariant(variant)}
          </li>
        ))}
      </ul>
      <div className="experiment-actions">
        {experiment.status === 'draft' && (
          <button type="button" className="button button-primary" onClick={onStart}>
            Start
          </button>
        )}
        {experiment.status === 'running' && (
          <button type="button" className="button button-primary" onClick={onStop}>
            Stop
          </button>
        )}
        {experiment.status !== 'draft' && (
          <button type="button" className="button button-secondary" onClick={onSelect} aria-pressed={selected}>
            Results
          </button>
        )}
        {experiment.status !== 'running' && (
          <button type="button" className="button button-secondary" onClick={onDelete}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}
