import { describe, expect, it } from 'vitest';
import { LatencyDetector, rmsLevel, type LatencyMeasurement } from './latency-detector';

const STEP = 20;
const SPEECH = 0.2;
const QUIET = 0.001;

type Segment = { ms: number; mic?: number; agent?: number };

/** Feed segments of constant levels, one sample every 20 ms; collect the measurements. */
function run(detector: LatencyDetector, segments: Segment[], start = 0): LatencyMeasurement[] {
  const out: LatencyMeasurement[] = [];
  let t = start;
  for (const { ms, mic = QUIET, agent = 0 } of segments) {
    for (let end = t + ms; t < end; t += STEP) {
      const measurement = detector.push(t, mic, agent);
      if (measurement) out.push(measurement);
    }
  }
  return out;
}

describe('LatencyDetector', () => {
  it('measures end of speech → agent audio onset', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 500 }, // silence: 0..480
      { ms: 1000, mic: SPEECH }, // speech: 500..1480, last voiced sample at 1480
      { ms: 800 }, // silence: 1500..2280
      { ms: 600, agent: 0.3 }, // agent audio from 2300
    ]);
    expect(measured).toEqual([{ latencyMs: 2300 - 1480, at: 2300 }]);
  });

  it('does not count the greeting that plays before the user has spoken', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 200 },
      { ms: 1500, agent: 0.3 }, // greeting
      { ms: 1000 },
    ]);
    expect(measured).toEqual([]);
  });

  it('does not count agent audio that starts while the user still speaks', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 600, mic: SPEECH },
      { ms: 600, mic: SPEECH, agent: 0.3 }, // agent starts over the user
      { ms: 400, agent: 0.3 }, // user stops; the agent was already playing
      { ms: 500 },
    ]);
    expect(measured).toEqual([]);
  });

  it('counts the next agent onset after the user stops when the overlap was cut short', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 600, mic: SPEECH },
      { ms: 200, mic: SPEECH, agent: 0.3 }, // overlap: not counted
      { ms: 400, mic: SPEECH }, // user keeps talking: 800..1180
      { ms: 700 }, // silence: 1200..1880
      { ms: 300, agent: 0.3 }, // reply at 1900
    ]);
    expect(measured).toEqual([{ latencyMs: 1900 - 1180, at: 1900 }]);
  });

  it('gives one value per turn, and two turns give two values', () => {
    const detector = new LatencyDetector();
    const measured = run(detector, [
      { ms: 1000, agent: 0.3 }, // greeting 0..980
      { ms: 500 },
      { ms: 800, mic: SPEECH }, // 1500..2280
      { ms: 600 }, // 2300..2880
      { ms: 400, agent: 0.3 }, // reply 1 from 2900 to 3280
      { ms: 400 }, // clause pause 3300..3680 (≥ agentSilenceMs)
      { ms: 400, agent: 0.3 }, // rest of reply 1: not a second value
      { ms: 500 }, // 4100..4580
      { ms: 700, mic: SPEECH }, // 4600..5280
      { ms: 1000 }, // 5300..6280
      { ms: 500, agent: 0.3 }, // reply 2 from 6300
    ]);
    expect(measured).toEqual([
      { latencyMs: 2900 - 2280, at: 2900 },
      { latencyMs: 6300 - 5280, at: 6300 },
    ]);
  });

  it('does not take short gaps in the agent audio for a new onset', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 600, mic: SPEECH }, // 0..580
      { ms: 400 }, // 600..980
      { ms: 400, agent: 0.3 }, // reply from 1000
      { ms: 100, mic: SPEECH }, // a cough during the reply 1400..1480 (arms again)
      { ms: 100 }, // agent gap of 200 ms < agentSilenceMs
      { ms: 300, agent: 0.3 },
    ]);
    expect(measured).toEqual([{ latencyMs: 1000 - 580, at: 1000 }]);
  });

  it('ignores clicks shorter than minSpeechMs', () => {
    const measured = run(new LatencyDetector(), [
      { ms: 40, mic: SPEECH }, // 40 ms click
      { ms: 1000 },
      { ms: 500, agent: 0.3 },
    ]);
    expect(measured).toEqual([]);
  });

  it('drops a gap longer than maxLatencyMs and forgets the state on reset', () => {
    const slow = run(new LatencyDetector({ maxLatencyMs: 1000 }), [
      { ms: 300, mic: SPEECH },
      { ms: 2000 },
      { ms: 200, agent: 0.3 },
    ]);
    expect(slow).toEqual([]);

    const detector = new LatencyDetector();
    run(detector, [{ ms: 300, mic: SPEECH }, { ms: 200 }]);
    detector.reset();
    expect(run(detector, [{ ms: 300, agent: 0.3 }], 10_000)).toEqual([]);
  });
});

describe('rmsLevel', () => {
  it('is the root mean square of the frame', () => {
    expect(rmsLevel([])).toBe(0);
    expect(rmsLevel([0.5, -0.5, 0.5, -0.5])).toBeCloseTo(0.5);
    expect(rmsLevel(new Float32Array([0, 0, 0, 0]))).toBe(0);
  });
});
