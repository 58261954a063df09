import type { MessageKey, Translate } from '../../i18n';

/** Per-turn figures the agent stores with each reply (ms), in pipeline order. */
export const FIGURE_LABELS: ReadonlyArray<[key: string, label: MessageKey]> = [
  ['transcription_ms', 'latency.stt'],
  ['end_of_turn_ms', 'latency.endOfTurn'],
  ['on_user_turn_completed_ms', 'latency.turnHook'],
  ['ttft_ms', 'latency.llm'],
  ['ttfb_ms', 'latency.tts'],
  ['e2e_ms', 'latency.agentE2e'],
];

/** Known figures first, in order and named in the page's language, then any others under
 * their own key. */
export function figureEntries(
  t: Translate,
  latency: Record<string, number>,
): Array<{ key: string; label: string; ms: number }> {
  const known = FIGURE_LABELS.flatMap(([key, label]) =>
    latency[key] === undefined ? [] : [{ key, label: t(label), ms: latency[key] }],
  );
  const labelled = new Set(FIGURE_LABELS.map(([key]) => key));
  const others = Object.entries(latency)
    .filter(([key]) => !labelled.has(key))
    .map(([key, ms]) => ({ key, label: key.replace(/_ms$/, '').replaceAll('_', ' '), ms }));
  return [...known, ...others];
}
