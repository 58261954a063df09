/**
 * Bar heights for the agent's voice, from an AnalyserNode's byte frequency data (0..255 per
 * bin). The voice band (the lowest `voiceBins` bins) is split into `bands` equal groups;
 * each bar is its group's mean, 0..1, rounded to `steps` levels so that a bar that barely
 * moved does not cost a React render.
 */
export function bandLevels(data: ArrayLike<number>, bands: number, voiceBins: number, steps = 10): number[] {
  const bins = Math.min(voiceBins, data.length);
  const levels: number[] = [];
  for (let band = 0; band < bands; band += 1) {
    const from = Math.floor((band * bins) / bands);
    const to = Math.max(from + 1, Math.floor(((band + 1) * bins) / bands));
    let sum = 0;
    for (let i = from; i < to; i += 1) sum += data[i] ?? 0;
    const mean = sum / (to - from) / 255;
    levels.push(Math.round(Math.min(1, mean) * steps) / steps);
  }
  return levels;
}

/** Whether two sets of levels are the same (a render would change nothing). */
export function sameLevels(a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
