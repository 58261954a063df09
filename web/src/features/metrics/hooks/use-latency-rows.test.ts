import { act, renderHook } from '@testing-library/react';
import { ConnectionState, RoomEvent, Room, type RemoteParticipant } from 'livekit-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useLatencyRows } from './use-latency-rows';

const agent = { isAgent: true, identity: 'agent-1' } as unknown as RemoteParticipant;
const human = { isAgent: false, identity: 'bob' } as unknown as RemoteParticipant;
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const packet = (turn: number, userText: string | null, e2e?: number) => ({
  type: 'turn_metrics',
  turn,
  user_text: userText,
  agent_text: 'reply',
  interrupted: false,
  figures: e2e === undefined ? {} : { e2e_latency: e2e },
});

/** Minimal WebAudio stand-in: the mic and agent analysers read levels set by the test. */
const levels = { mic: 0, agent: 0 };
class FakeAudioContext {
  static instances: FakeAudioContext[] = [];
  closed = false;
  private taps = 0;
  constructor() {
    FakeAudioContext.instances.push(this);
  }
  resume = () => Promise.resolve();
  close = () => {
    this.closed = true;
    return Promise.resolve();
  };
  createMediaStreamSource() {
    return { connect: () => undefined };
  }
  createAnalyser() {
    const which = this.taps++ === 0 ? 'mic' : 'agent';
    return {
      fftSize: 4,
      getFloatTimeDomainData: (buffer: Float32Array) => buffer.fill(levels[which]),
    };
  }
}
class FakeMediaStream {
  constructor(readonly tracks: unknown[]) {}
}

describe('useLatencyRows', () => {
  let room: Room;
  beforeEach(() => {
    room = new Room();
    levels.mic = 0;
    levels.agent = 0;
    FakeAudioContext.instances = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects agent packets from the agent on va.metrics and ignores the rest', () => {
    const { result } = renderHook(() => useLatencyRows(room, undefined, undefined));
    act(() => {
      room.emit(RoomEvent.DataReceived, bytes(packet(1, null)), agent, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes(packet(2, 'hi', 0.9)), agent, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes(packet(3, 'x', 0.1)), human, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes(packet(4, 'x', 0.1)), agent, undefined, 'other');
      room.emit(RoomEvent.DataReceived, bytes('{not json'), agent, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes({ type: 'x' }), agent, undefined, 'va.metrics');
    });
    expect(result.current.map((row) => [row.turn, row.e2eMs])).toEqual([[2, 900]]);

    // Kept after hang-up, cleared when the next call starts connecting.
    act(() => {
      room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Disconnected);
    });
    expect(result.current).toHaveLength(1);
    act(() => {
      room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connecting);
    });
    expect(result.current).toEqual([]);
  });

  it('does nothing where WebAudio is missing', () => {
    vi.stubGlobal('AudioContext', undefined);
    const track = {} as MediaStreamTrack;
    const { result } = renderHook(() => useLatencyRows(room, track, track));
    expect(result.current).toEqual([]);
  });

  it('measures end of speech → agent audio from the two tracks and pairs it with the turn', () => {
    vi.useFakeTimers();
    vi.stubGlobal('AudioContext', FakeAudioContext);
    vi.stubGlobal('MediaStream', FakeMediaStream);
    const mic = { id: 'mic' } as MediaStreamTrack;
    const agentTrack = { id: 'agent' } as MediaStreamTrack;
    const { result, unmount } = renderHook(() => useLatencyRows(room, mic, agentTrack));

    act(() => {
      levels.mic = 0.3;
      vi.advanceTimersByTime(600); // user speaks
      levels.mic = 0;
      vi.advanceTimersByTime(700); // silence
      levels.agent = 0.3;
      vi.advanceTimersByTime(100); // agent audio
    });
    expect(result.current).toHaveLength(1);
    const [pending] = result.current;
    expect(pending?.turn).toBeNull();
    expect(pending?.browserMs).toBeGreaterThanOrEqual(680);
    expect(pending?.browserMs).toBeLessThanOrEqual(720);

    act(() => {
      room.emit(RoomEvent.DataReceived, bytes(packet(2, 'hi', 0.5)), agent, undefined, 'va.metrics');
    });
    expect(result.current.map((row) => [row.turn, row.browserMs === pending?.browserMs])).toEqual([
      [2, true],
    ]);

    unmount();
    expect(FakeAudioContext.instances.every((context) => context.closed)).toBe(true);
  });
});
