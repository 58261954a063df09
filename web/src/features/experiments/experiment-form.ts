import type { ExperimentCreate, ExperimentVariant } from '../../api/types';

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
};

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
});

export const SPLITS_MESSAGE = 'The splits must add up to 100.';

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
  return { key: draft.key.trim(), split: Number.parseInt(draft.split, 10) || 0, overrides };
}

/** A short line saying what a variant changes ("control" when nothing). */
export function describeVariant(variant: ExperimentVariant): string {
  const o = variant.overrides ?? {};
  const parts = [
    o.persona && `persona ${o.persona}`,
    o.voice && `voice ${o.voice}`,
    o.greeting && `greeting “${o.greeting}”`,
    o.instructions && 'own instructions',
    o.turn?.min_delay_s != null && `min delay ${o.turn.min_delay_s} s`,
    o.turn?.max_delay_s != null && `max delay ${o.turn.max_delay_s} s`,
    o.turn?.interruption_min_s != null && `interruption ${o.turn.interruption_min_s} s`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no change';
}
