import { describe, expect, it } from 'vitest';
import { hasFigures, parseTurnMetrics } from './turn-metrics';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const packet = {
  type: 'turn_metrics',
  turn: 2,
  user_text: 'what time is it',
  agent_text: 'It is noon.',
  interrupted: false,
  figures: {
    transcription_delay: 0.21,
    end_of_turn_delay: 0.6,
    on_user_turn_completed_delay: 0.001,
    llm_node_ttft: 0.35,
    tts_node_ttfb: 0.12,
    e2e_latency: 1.234,
  },
};

describe('parseTurnMetrics', () => {
  it('parses a valid packet from bytes, keeping only the known figures', () => {
    expect(parseTurnMetrics(encode(packet))).toEqual({
      turn: 2,
      userText: 'what time is it',
      agentText: 'It is noon.',
      interrupted: false,
      figures: {
        transcription_delay: 0.21,
        end_of_turn_delay: 0.6,
        llm_node_ttft: 0.35,
        tts_node_ttfb: 0.12,
        e2e_latency: 1.234,
      },
    });
  });

  it('parses the greeting: null user text and no figures', () => {
    const greeting = parseTurnMetrics(
      JSON.stringify({ ...packet, turn: 1, user_text: null, figures: {} }),
    );
    expect(greeting).toMatchObject({ turn: 1, userText: null, figures: {} });
    expect(hasFigures(greeting!)).toBe(false);
  });

  it('drops a single bad figure but keeps the packet', () => {
    const parsed = parseTurnMetrics(
      encode({ ...packet, figures: { e2e_latency: 'fast', llm_node_ttft: -1, tts_node_ttfb: 0.1 } }),
    );
    expect(parsed?.figures).toEqual({ tts_node_ttfb: 0.1 });
  });

  it('tolerates missing optional fields', () => {
    expect(parseTurnMetrics({ type: 'turn_metrics', turn: 3 })).toEqual({
      turn: 3,
      userText: null,
      agentText: '',
      interrupted: false,
      figures: {},
    });
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{"type":"turn_')],
    ['empty bytes', new Uint8Array()],
    ['a JSON string', encode('turn_metrics')],
    ['null', encode(null)],
    ['an array', encode([packet])],
    ['no turn', encode({ ...packet, turn: undefined })],
    ['a fractional turn', encode({ ...packet, turn: 1.5 })],
    ['a string turn', encode({ ...packet, turn: '2' })],
  ])('rejects a malformed packet: %s', (_label, payload) => {
    expect(parseTurnMetrics(payload)).toBeNull();
  });

  it('rejects a packet of another type', () => {
    expect(parseTurnMetrics(encode({ ...packet, type: 'session_metrics' }))).toBeNull();
    expect(parseTurnMetrics(encode({ ...packet, type: undefined }))).toBeNull();
  });
});
