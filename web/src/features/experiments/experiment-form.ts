import type { ExperimentCreate, ExperimentVariant } from '../../api/types';
import type { Translate } from '../../i18n';

/** One variant as the form holds it: text fields, '' meaning "not overridden". */
export type VariantDraft = {
  key: string;
  split: string;
  persona: string;
  voice: string;
  greeting: string;
  instructions: string;
  minDelay: string;
  maxDelay: string;
  interruptionMin: string;
  sttProvider: string;
  llmProvider: string;
  ttsProvider: string;
};

/** The agent's provider registry (the backend refuses any other name). */
export const PROVIDER_NAMES = ['local', 'openai', 'azure'] as const;
export const PROVIDER_KINDS = ['stt', 'llm', 'tts'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const providerField = (kind: ProviderKind) => `${kind}Provider` as const;

export const emptyVariant = (key: string, split: number): VariantDraft => ({
  key,
  split: String(split),
  persona: '',
  voice: '',
  greeting: '',
  instructions: '',
  minDelay: '',
  maxDelay: '',
  interruptionMin: '',
  sttProvider: '',
  llmProvider: '',
  ttsProvider: '',
});

/** The splits' sum, for the form to show before the backend refuses it. */
export function splitTotal(variants: VariantDraft[]): number {
  return variants.reduce((sum, v) => sum + (Number.parseInt(v.split, 10) || 0), 0);
}

/** The request body; blank fields are left out (the user's choice or the catalog's then). */
export function toExperimentBody(name: string, variants: VariantDraft[]): ExperimentCreate {
  return { name: name.trim(), variants: variants.map(toVariant) };
}

function toVariant(draft: VariantDraft): ExperimentVariant {
  const overrides: NonNullable<ExperimentVariant['overrides']> = {};
  if (draft.persona) overrides.persona = draft.persona;
  if (draft.voice) overrides.voice = draft.voice;
  if (draft.greeting.trim()) overrides.greeting = draft.greeting.trim();
  if (draft.instructions.trim()) overrides.instructions = draft.instructions.trim();
  const turn: NonNullable<NonNullable<ExperimentVariant['overrides']>['turn']> = {};
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const [min, max, interruption] = [number(draft.minDelay), number(draft.maxDelay), number(draft.interruptionMin)];
  if (min !== undefined) turn.min_delay_s = min;
  if (max !== undefined) turn.max_delay_s = max;
  if (interruption !== undefined) turn.interruption_min_s = interruption;
  if (Object.keys(turn).length > 0) overrides.turn = turn;
  const providers: NonNullable<NonNullable<ExperimentVariant['overrides']>['providers']> = {};
  for (const kind of PROVIDER_KINDS) {
    const name = draft[providerField(kind)];
    if (name) providers[kind] = name;
  }
  if (Object.keys(providers).length > 0) overrides.providers = providers;
  return { key: draft.key.trim(), split: Number.parseInt(draft.split, 10) || 0, overrides };
}

/** A short line saying what a variant changes ("no change" when nothing); `seconds` writes a
 * number of seconds in the page's language. */
export function describeVariant(t: Translate, seconds: (s: number) => string, variant: ExperimentVariant): string {
  const o = variant.overrides ?? {};
  const turn = o.turn ?? {};
  const parts = [
    o.persona && t('experiments.changesPersona', { id: o.persona }),
    o.voice && t('experiments.changesVoice', { id: o.voice }),
    o.greeting && t('experiments.changesGreeting', { text: o.greeting }),
    o.instructions && t('experiments.changesInstructions'),
    turn.min_delay_s != null && t('experiments.changesMinDelay', { s: seconds(turn.min_delay_s) }),
    turn.max_delay_s != null && t('experiments.changesMaxDelay', { s: seconds(turn.max_delay_s) }),
    turn.interruption_min_s != null && t('experiments.changesInterruption', { s: seconds(turn.interruption_min_s) }),
    ...PROVIDER_KINDS.map((kind) => o.providers?.[kind] && t('experiments.changesProvider', { kind, name: o.providers[kind] })),
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : t('experiments.noChange');
}
