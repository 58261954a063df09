import type { CallOptions } from '../../../api/types';
import { languageName, useTranslate } from '../../../i18n';
import { useUiStore } from '../../../store/ui-store';

type CallSetupProps = {
  options: CallOptions | null;
  error: string | null;
  disabled: boolean;
};

/** Persona, voice and language for the next call, from what the backend offers, and whether to
 * record it (where the backend allows recording; off until the user ticks it). */
export function CallSetup({ options, error, disabled }: CallSetupProps) {
  const choice = useUiStore((store) => store.choice);
  const choose = useUiStore((store) => store.choose);
  const { t, language } = useTranslate();
  if (error) {
    return (
      <p className="notice" role="status">
        {t('setup.loadFailed', { error })}
      </p>
    );
  }
  if (!options) return null;
  const persona = options.personas.find((item) => item.id === choice.persona);
  const languages = options.languages.map((id) => ({ id, name: languageName(id, language) }));

  return (
    <fieldset className="call-setup" disabled={disabled}>
      <legend>{t('setup.legend')}</legend>
      <ChoiceSelect
        label={t('setup.persona')}
        items={options.personas}
        value={choice.persona}
        onChange={(persona) => choose({ persona })}
      />
      <ChoiceSelect
        label={t('setup.voice')}
        items={options.voices}
        value={choice.voice}
        onChange={(voice) => choose({ voice })}
      />
      {languages.length > 1 && (
        <ChoiceSelect
          label={t('setup.language')}
          items={languages}
          value={choice.language}
          onChange={(language) => choose({ language })}
        />
      )}
      {persona?.description && <p className="call-setup-hint">{persona.description}</p>}
      {options.recording_allowed && (
        <label className="field field-check">
          <input type="checkbox" checked={choice.record} onChange={(event) => choose({ record: event.target.checked })} />
          <span>{t('setup.record')}</span>
        </label>
      )}
    </fieldset>
  );
}

type ChoiceSelectProps = {
  label: string;
  items: ReadonlyArray<{ id: string; name: string }>;
  value: string | null;
  onChange: (id: string) => void;
};

function ChoiceSelect({ label, items, value, onChange }: ChoiceSelectProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        {items.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name}
          </option>
        ))}
      </select>
    </label>
  );
}
