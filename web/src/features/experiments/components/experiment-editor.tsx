import { useEffect, useState, type FormEvent } from 'react';
import { describeApiError } from '../../../api/api-error';
import type { CallOptions } from '../../../api/types';
import { useTranslate, type MessageKey } from '../../../i18n';
import {
  emptyVariant,
  PROVIDER_KINDS,
  PROVIDER_NAMES,
  providerField,
  splitTotal,
  toExperimentBody,
  type ProviderKind,
  type VariantDraft,
} from '../experiment-form';
import { createExperiment, getChoices, type Experiment } from '../experiments-api';

const PROVIDER_LABELS: Record<ProviderKind, MessageKey> = {
  stt: 'experiments.sttProvider',
  llm: 'experiments.llmProvider',
  tts: 'experiments.ttsProvider',
};

/** The form that creates a draft experiment (the first variant is the control). */
export function ExperimentEditor({ onCreated }: { onCreated: (experiment: Experiment) => void }) {
  const { t } = useTranslate();
  const [name, setName] = useState('');
  const [variants, setVariants] = useState<VariantDraft[]>([emptyVariant('control', 50), emptyVariant('b', 50)]);
  const [choices, setChoices] = useState<CallOptions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    getChoices()
      .then(setChoices)
      .catch(() => setChoices(null)); // the lists stay empty; the backend still checks ids
  }, []);

  const total = splitTotal(variants);
  const change = (index: number, patch: Partial<VariantDraft>) =>
    setVariants((all) => all.map((v, i) => (i === index ? { ...v, ...patch } : v)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (total !== 100) {
      setError(t('experiments.splitsWrong'));
      return;
    }
    setSaving(true);
    setError(null);
    createExperiment(toExperimentBody(name, variants))
      .then((created) => {
        setName('');
        setVariants([emptyVariant('control', 50), emptyVariant('b', 50)]);
        onCreated(created);
      })
      .catch((err: unknown) => setError(describeApiError(err)))
      .finally(() => setSaving(false));
  };

  return (
    <form className="experiment-editor" onSubmit={submit} aria-label={t('experiments.new')}>
      <h3>{t('experiments.new')}</h3>
      <label className="field">
        <span>{t('experiments.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      {variants.map((variant, index) => (
        <fieldset key={index} className="variant-fields">
          <legend>{index === 0 ? t('experiments.variantControl') : t('experiments.variantN', { n: String(index + 1) })}</legend>
          <label className="field">
            <span>{t('experiments.key')}</span>
            <input
              value={variant.key}
              onChange={(e) => change(index, { key: e.target.value })}
              pattern="[a-z0-9_\-]{1,32}"
              required
            />
          </label>
          <label className="field field-narrow">
            <span>{t('experiments.split')}</span>
            <input
              type="number"
              min={1}
              max={99}
              value={variant.split}
              onChange={(e) => change(index, { split: e.target.value })}
              required
            />
          </label>
          <label className="field">
            <span>{t('experiments.persona')}</span>
            <select value={variant.persona} onChange={(e) => change(index, { persona: e.target.value })}>
              <option value="">{t('experiments.usersOwn')}</option>
              {choices?.personas.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('experiments.voice')}</span>
            <select value={variant.voice} onChange={(e) => change(index, { voice: e.target.value })}>
              <option value="">{t('experiments.usersOwn')}</option>
              {choices?.voices.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-wide">
            <span>{t('experiments.greeting')}</span>
            <input
              value={variant.greeting}
              onChange={(e) => change(index, { greeting: e.target.value })}
              maxLength={500}
              placeholder={t('experiments.personasOwn')}
            />
          </label>
          <label className="field field-wide">
            <span>{t('experiments.instructions')}</span>
            <textarea
              value={variant.instructions}
              onChange={(e) => change(index, { instructions: e.target.value })}
              maxLength={2000}
              rows={2}
              placeholder={t('experiments.personasOwn')}
            />
          </label>
          <label className="field field-narrow">
            <span>{t('experiments.minDelay')}</span>
            <input
              type="number"
              step="0.05"
              min={0}
              max={5}
              value={variant.minDelay}
              onChange={(e) => change(index, { minDelay: e.target.value })}
            />
          </label>
          <label className="field field-narrow">
            <span>{t('experiments.maxDelay')}</span>
            <input
              type="number"
              step="0.1"
              min={0.1}
              max={10}
              value={variant.maxDelay}
              onChange={(e) => change(index, { maxDelay: e.target.value })}
            />
          </label>
          <label className="field field-narrow">
            <span>{t('experiments.interruption')}</span>
            <input
              type="number"
              step="0.05"
              min={0.05}
              max={5}
              value={variant.interruptionMin}
              onChange={(e) => change(index, { interruptionMin: e.target.value })}
            />
          </label>
          {PROVIDER_KINDS.map((kind) => (
            <label key={kind} className="field">
              <span>{t(PROVIDER_LABELS[kind])}</span>
              <select
                value={variant[providerField(kind)]}
                onChange={(e) => change(index, { [providerField(kind)]: e.target.value })}
              >
                <option value="">{t('experiments.agentsOwn')}</option>
                {PROVIDER_NAMES.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ))}
          {index >= 2 && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setVariants((all) => all.filter((_, i) => i !== index))}
            >
              {t('experiments.removeVariant')}
            </button>
          )}
        </fieldset>
      ))}
      <p className={total === 100 ? 'split-total' : 'split-total split-total-wrong'} aria-live="polite">
        {t('experiments.splits', { total: String(total) })}
      </p>
      {error && (
        <p className="alert-text" role="alert">
          {error}
        </p>
      )}
      <div className="experiment-actions">
        {variants.length < 8 && (
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setVariants((all) => [...all, emptyVariant(`v${all.length + 1}`, 0)])}
          >
            {t('experiments.addVariant')}
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={saving}>
          {t('experiments.createDraft')}
        </button>
      </div>
    </form>
  );
}
