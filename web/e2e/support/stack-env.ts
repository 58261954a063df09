import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const stateDir = process.env.E2E_STATE_DIR ?? path.join(repoRoot, '.run/e2e');

/**
 * Ports and paths of the stack the e2e run starts (away from `make run`'s defaults; the
 * integration tests that `make test` runs beside it never pick these: RESERVED_PORTS in
 * bench/stack_runner.py).
 */
export const e2eEnv = {
  repoRoot,
  python: process.env.VA_PYTHON ?? path.join(repoRoot, '.venv/bin/python'),
  chromium: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  livekitPort: port('E2E_LIVEKIT_PORT', 27880),
  backendPort: port('E2E_BACKEND_PORT', 28000),
  agentHealthPort: port('E2E_AGENT_HEALTH_PORT', 28081),
  agentMetricsPort: port('E2E_AGENT_METRICS_PORT', 28464),
  modelHostPort: port('E2E_MODEL_HOST_PORT', 28090),
  get baseURL(): string {
    return `http://127.0.0.1:${this.backendPort}`;
  },
  stateDir,
  questionWav: path.join(stateDir, 'question.wav'),
  silenceWav: path.join(stateDir, 'silence.wav'),
  question: 'What is the capital of France?',
  /** Two spoken questions in one file, for the two-turn conversation test. */
  twoQuestionsWav: path.join(stateDir, 'two-questions.wav'),
  secondQuestion: 'What is the capital of Italy?',
  /** A question in German (espeak-ng), for the language test. */
  germanQuestionWav: path.join(stateDir, 'question-de.wav'),
  germanQuestion: 'Guten Morgen. Ich möchte wissen, wie das Wetter morgen in München wird.',
};

/** Chromium flags for a headless run with a WAV file as the microphone (docs/reference/livekit-api.md §9.3). */
export function fakeMicArgs(wav: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}%noloop`,
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}
