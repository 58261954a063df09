/** What bench/latency/browser.py passes to the browser bench (environment variables). */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the bench with make bench-browser`);
  return value;
}

export const benchEnv = {
  get baseURL(): string {
    return required('BENCH_BASE_URL');
  },
  get wav(): string {
    return required('BENCH_WAV');
  },
  get out(): string {
    return required('BENCH_OUT');
  },
  /** How long the call lasts: the WAV and the last answer. */
  get durationS(): number {
    return Number(required('BENCH_DURATION_S'));
  },
  /** A jitterBufferTarget (ms) for the agent's audio receiver, to try one; unset: the page's. */
  get jitterTargetMs(): number | null {
    const value = process.env.BENCH_JITTER_TARGET_MS;
    return value ? Number(value) : null;
  },
  pollMs: 250,
};
