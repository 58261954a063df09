import type { CallOptions } from '../../../api/types';
import { useUiStore } from '../../../store/ui-store';

type CallSetupProps = {
  options: CallOptions | null;
  error: string | null;
  disabled: boolean;
};

/** Persona and voice for the next call, from what the backend offers, and whether to record
 * it (where the backend allows recording; off until the user ticks it). */
export function CallSetup({ options, error, disabled }: CallSetupProps) {
  const choice = useUiStore((store) => store.choice);
  const choose = useUiStore((store) => store.choose);
  if (error) {
    return (
      <p className="notice" role="status">
        Personas and voices could not be loaded ({error}); the defaults will be used.
      </p>
    );
  }
  if (!options) return null;
  const persona = options.personas.find((item) => item.id === choice.persona);

  return (
    <fieldset className="call-setup" disabled={disabled}>
      <legend>Before you call</legend>
      <ChoiceSelect
        label="Persona"
        items={options.personas}
        value={choice.persona}
        onChange={(persona) => choose({ persona })}
      />
      <ChoiceSelect label="Voice" items={options.voices} value={choice.voice} onChange={(voice) => choose({ voice })} />
      {persona?.description && <p className="call-setup-hint">{persona.description}</p>}
      {options.recording_allowed && (
        <label className="field field-check">
          <input type="checkbox" checked={choice.record} onChange={(event) => choose({ record: event.target.checked })} />
          <span>Record this call</span>
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
