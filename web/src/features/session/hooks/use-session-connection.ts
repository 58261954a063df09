import { useCallback, useEffect, useRef, useState } from 'react';
import type { UseSessionReturn } from '@livekit/components-react';
import { describeConnectError } from '../connect-error';

export const MIC_UNAVAILABLE_NOTICE =
  'Microphone unavailable here (it needs https or localhost): connected for typed chat only.';

/** Shown while a started call still has no agent after `AGENT_SLOW_MS`. */
export const AGENT_SLOW_NOTICE = 'The assistant has not joined yet. Still waiting…';
export const AGENT_SLOW_MS = 5_000;
export const AGENT_FAILURE_PREFIX = 'The assistant is unavailable: ';

export function canCaptureAudio(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

export type SessionConnection = {
  /** `session.start()` is in flight (token fetch, room connect, waiting for the agent). */
  isStarting: boolean;
  /** Last connect/disconnect failure, phrased for people. */
  error: string | null;
  /** Non-fatal information about the current session (e.g. connected without a microphone). */
  notice: string | null;
  connect: () => void;
  disconnect: () => void;
  dismissError: () => void;
};

/**
 * Start and end a session from click handlers, keeping the error for display.
 *
 * `session.start()` waits for the agent to join and never rejects when it does not, so a
 * failed agent aborts the pending start (which also leaves the room) and keeps the reason.
 */
export function useSessionConnection(
  session: Pick<UseSessionReturn, 'start' | 'end'>,
  /** `useAgent().failureReasons` joined into one string (stable across renders), or null. */
  agentFailure: string | null,
): SessionConnection {
  const { start, end } = session;
  const [isStarting, setIsStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const pendingRef = useRef<AbortController | null>(null);

  const connect = useCallback(() => {
    if (pendingRef.current) return;
    const controller = new AbortController();
    pendingRef.current = controller;
    setError(null);
    setIsStarting(true);
    // Browsers hide `navigator.mediaDevices` on insecure origins (plain http other than
    // localhost); connect for text chat instead of failing the whole session.
    const micAvailable = canCaptureAudio();
    setNotice(micAvailable ? null : MIC_UNAVAILABLE_NOTICE);
    // a few seconds without an agent is worth saying (the full timeout then fails the call)
    const slow = setTimeout(() => {
      if (pendingRef.current === controller) setNotice(AGENT_SLOW_NOTICE);
    }, AGENT_SLOW_MS);
    // Called straight from the click so the browser sees a user gesture for mic + audio.
    start(
      micAvailable
        ? { signal: controller.signal } // default tracks: mic on with the pre-connect buffer
        : { signal: controller.signal, tracks: { microphone: { enabled: false } } },
    )
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(describeConnectError(err));
        setNotice(null);
      })
      .finally(() => {
        clearTimeout(slow);
        setNotice((current) => (current === AGENT_SLOW_NOTICE ? null : current));
        if (pendingRef.current === controller) pendingRef.current = null;
        setIsStarting(false);
      });
  }, [start]);

  const disconnect = useCallback(() => {
    pendingRef.current?.abort();
    pendingRef.current = null;
    setError(null);
    setNotice(null);
    end().catch((err: unknown) => setError(describeConnectError(err)));
  }, [end]);

  useEffect(() => {
    if (!agentFailure) {
      // another agent took the call over (a crashed job's replacement): its failure is over
      setError((current) => (current?.startsWith(AGENT_FAILURE_PREFIX) ? null : current));
      return;
    }
    setError(`${AGENT_FAILURE_PREFIX}${agentFailure}`);
    pendingRef.current?.abort();
    pendingRef.current = null;
  }, [agentFailure]);

  useEffect(
    () => () => {
      pendingRef.current?.abort();
    },
    [],
  );

  const dismissError = useCallback(() => setError(null), []);

  return { isStarting, error, notice, connect, disconnect, dismissError };
}
