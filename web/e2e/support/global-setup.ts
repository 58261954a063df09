import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { e2eEnv } from './stack-env';
import { joinWavs } from './wav';

function makeWav(out: string, args: string[]): void {
  const r = spawnSync(e2eEnv.python, [`${e2eEnv.repoRoot}/bench/speech.py`, out, ...args], {
    cwd: e2eEnv.repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`could not make ${out}: ${r.stderr}`);
}

/** Makes the fake-microphone WAVs, starts the stack, and returns its teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  fs.mkdirSync(e2eEnv.stateDir, { recursive: true });
  // Each first question after 10 s of silence: the agent has joined and finished its
  // greeting (with a recorded call's notice) even on a busy box. The framework gives the STT
  // silence for the first 3 s of the agent's first speech (aec_warmup_duration): with a 5 s
  // lead a late greeting swallowed the question, or heard it as "Well, France.".
  makeWav(e2eEnv.questionWav, [e2eEnv.question, '--lead', '10.0', '--tail', '4.0']);
  makeWav(e2eEnv.silenceWav, ['', '--lead', '1.0', '--tail', '1.0']);
  // Two questions 12 s apart: the first answer has ended before the second question starts.
  const first = `${e2eEnv.stateDir}/question-1.wav`;
  const second = `${e2eEnv.stateDir}/question-2.wav`;
  makeWav(first, [e2eEnv.question, '--lead', '10.0', '--tail', '0.0']);
  makeWav(second, [e2eEnv.secondQuestion, '--lead', '0.0', '--tail', '4.0']);
  joinWavs(e2eEnv.twoQuestionsWav, [first, second], 12);
  makeWav(e2eEnv.germanQuestionWav, [e2eEnv.germanQuestion, '--lead', '10.0', '--tail', '4.0', '--espeak-voice', 'de']);

  const log = fs.openSync(`${e2eEnv.stateDir}/stack.out`, 'w');
  const stack = spawn(e2eEnv.python, ['scripts/stack.py'], {
    cwd: e2eEnv.repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LIVEKIT_PORT: String(e2eEnv.livekitPort),
      LIVEKIT_RTC_UDP_PORT: String(e2eEnv.livekitPort + 2),
      BACKEND_PORT: String(e2eEnv.backendPort),
      AGENT_HEALTH_PORT: String(e2eEnv.agentHealthPort),
      AGENT_METRICS_PORT: String(e2eEnv.agentMetricsPort),
      MODEL_HOST_PORT: String(e2eEnv.modelHostPort),
      VA_STATE_DIR: e2eEnv.stateDir,
      VA_DATA_DIR: e2eEnv.stateDir,
      // every spec is the one local user, and some take a token without joining its room
      BACKEND_MAX_CALLS_PER_USER: '50',
      // the busy test's unjoined tokens hold their calls while it fills every free one
      BACKEND_AGENT_JOIN_TIMEOUT_SECONDS: '60',
      // a page left without hanging up holds its agent this long (rejoin.spec.ts waits it out)
      BACKEND_REJOIN_GRACE_SECONDS: '20',
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stack not ready in 300 s; see .run/e2e/logs')), 300_000);
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      fs.writeSync(log, chunk);
      buffered += chunk.toString();
      if (buffered.includes('stack: ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    stack.stdout?.on('data', onData);
    stack.stderr?.on('data', onData);
    stack.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited early (code ${code}):\n${buffered.slice(-2000)}`));
    });
  });
  stack.removeAllListeners('exit');
  return async () => {
    if (stack.pid === undefined || stack.exitCode !== null) return;
    const exited = new Promise((resolve) => stack.on('exit', resolve));
    process.kill(-stack.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  };
}
