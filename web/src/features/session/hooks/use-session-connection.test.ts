import type { SessionConnectOptions } from '@livekit/components-react';
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AGENT_SLOW_MS, useSessionConnection } from './use-session-connection';
import { en } from '../../../i18n/en';

/** A `session.start` that stays pending until aborted, like one waiting for an agent. */
function pendingStart() {
  const calls: SessionConnectOptions[] = [];
  const start = vi.fn((options: SessionConnectOptions = {}) => {
    calls.push(options);
    return new Promise<void>((_, reject) => {
      options.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  });
  return { start, calls };
}

describe('useSessionConnection', () => {
  it('starts once per click burst and reports isStarting', () => {
    const { start } = pendingStart();
    const end = vi.fn(async () => undefined);
    const { result } = renderHook(() => useSessionConnection({ start, end }, null));

    act(() => {
      result.current.connect();
      result.current.connect();
    });

    expect(start).toHaveBeenCalledTimes(1);
    expect(result.current.isStarting).toBe(true);
    expect(result.current.error).toBeNull();
  });

  it('says when the agent is slow to join, and drops the note once it has', async () => {
    vi.useFakeTimers();
    try {
      let joined: () => void = () => undefined;
      const start = vi.fn(() => new Promise<void>((resolve) => (joined = resolve)));
      const end = vi.fn(async () => undefined);
      const { result } = renderHook(() => useSessionConnection({ start, end }, null));

      act(() => result.current.connect());
      act(() => vi.advanceTimersByTime(AGENT_SLOW_MS - 1));
      expect(result.current.notice).not.toBe(en['session.agentSlow']);
      act(() => vi.advanceTimersByTime(1));
      expect(result.current.notice).toBe(en['session.agentSlow']);

      await act(async () => joined());
      expect(result.current.notice).toBeNull();
      expect(result.current.isStarting).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('turns an agent failure into an error and abandons the pending start', async () => {
    const { start, calls } = pendingStart();
    const end = vi.fn(async () => undefined);
    const { result, rerender } = renderHook(
      ({ failure }: { failure: string | null }) => useSessionConnection({ start, end }, failure),
      { initialProps: { failure: null as string | null } },
    );

    act(() => result.current.connect());
    rerender({ failure: 'Agent did not join the room.' });

    expect(calls[0]?.signal?.aborted).toBe(true);
    await waitFor(() => expect(result.current.isStarting).toBe(false));
    // the abort rejection must not replace the agent's reason
    expect(result.current.error).toBe('The assistant is unavailable: Agent did not join the room.');
  });

  it('clears an agent failure once another agent serves the call, but not other errors', async () => {
    const start = vi.fn<(options?: SessionConnectOptions) => Promise<void>>().mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const end = vi.fn(async () => undefined);
    const { result, rerender } = renderHook(
      ({ failure }: { failure: string | null }) => useSessionConnection({ start, end }, failure),
      { initialProps: { failure: null as string | null } },
    );

    rerender({ failure: 'Agent left the room unexpectedly.' });
    expect(result.current.error).toBe('The assistant is unavailable: Agent left the room unexpectedly.');
    rerender({ failure: null });
    expect(result.current.error).toBeNull();

    act(() => result.current.connect());
    await waitFor(() => expect(result.current.error).not.toBeNull());
    const connectError = result.current.error;
    rerender({ failure: null });
    expect(result.current.error).toBe(connectError);
  });

  it('disconnect aborts a pending start, ends the session and clears the error', async () => {
    const { start, calls } = pendingStart();
    const end = vi.fn(async () => undefined);
    const { result } = renderHook(() => useSessionConnection({ start, end }, null));

    act(() => result.current.connect());
    act(() => result.current.disconnect());

    expect(calls[0]?.signal?.aborted).toBe(true);
    expect(end).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(result.current.isStarting).toBe(false));
    expect(result.current.error).toBeNull();
  });

  it('shows a start failure and allows another attempt', async () => {
    const start = vi
      .fn<(options?: SessionConnectOptions) => Promise<void>>()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(undefined);
    const end = vi.fn(async () => undefined);
    const { result } = renderHook(() => useSessionConnection({ start, end }, null));

    act(() => result.current.connect());
    await waitFor(() => expect(result.current.error).toMatch(/Could not reach the server/));
    expect(result.current.isStarting).toBe(false);

    act(() => result.current.connect());
    expect(result.current.error).toBeNull();
    await waitFor(() => expect(result.current.isStarting).toBe(false));
    expect(start).toHaveBeenCalledTimes(2);
  });
});
