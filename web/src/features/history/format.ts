const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : time.format(date);
}

/** Per-turn figures the agent stores with each reply (ms), in pipeline order. */
export const FIGURE_LABELS: ReadonlyArray<[key: string, label: string]> = [
  ['transcription_ms', 'STT'],
  ['end_of_turn_ms', 'End of turn'],
  ['on_user_turn_completed_ms', 'Turn hook'],
  ['ttft_ms', 'LLM first token'],
  ['ttfb_ms', 'TTS first byte'],
  ['e2e_ms', 'Agent e2e'],
];

/** Known figures first, in order, then any others under their own key. */
export function figureEntries(latency: Record<string, number>): Array<{ key: string; label: string; ms: number }> {
  const known = FIGURE_LABELS.flatMap(([key, label]) =>
    latency[key] === undefined ? [] : [{ key, label, ms: latency[key] }],
  );
  const labelled = new Set(FIGURE_LABELS.map(([key]) => key));
  const others = Object.entries(latency)
    .filter(([key]) => !labelled.has(key))
    .map(([key, ms]) => ({ key, label: key.replace(/_ms$/, '').replaceAll('_', ' '), ms }));
  return [...known, ...others];
}
