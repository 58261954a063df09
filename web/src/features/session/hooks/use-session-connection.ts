import { useCallback, useEffect, useRef, useState } from 'react';
import type { UseSessionReturn } from '@livekit/components-react';
import { useTranslate } from '../../../i18n';
import { describeConnectError } from '../connect-error';

/** A notice (`session.agentSlow`) comes after this long without an agent. */
export const AGENT_SLOW_MS = 5_000;

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
  const agentErrorRef = useRef<string | null>(null); // the agent's failure, as shown
  // the texts in the page's language when they are shown, without restarting anything
  const { t } = useTranslate();
  const tRef = useRef(t);
  useEffect(() => {
    tRef.current = t;
  });

  const connect = useCallback(() => {
    if (pendingRef.current) return;
    const controller = new AbortController();
    pendingRef.current = controller;
    setError(null);
    setIsStarting(true);
    // Browsers hide `navigator.mediaDevices` on insecure origins (plain http other than
    // localhost); connect for text chat instead of failing the whole session.
    const micAvailable = canCaptureAudio();
    const slowNotice = tRef.current('session.agentSlow');
    setNotice(micAvailable ? null : tRef.current('session.micUnavailable'));
    // a few seconds without an agent is worth saying (the full timeout then fails the call)
    const slow = setTimeout(() => {
      if (pendingRef.current === controller) setNotice(slowNotice);
    }, AGENT_SLOW_MS);
    // Called straight from the click so the browser sees a user gesture for mic + audio.
    start(
      micAvailable
        ? { signal: controller.signal } // default tracks: mic on with the pre-connect buffer
        : { signal: controller.signal, tracks: { microphone: { enabled: false } } },
    )
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(describeConnectError(tRef.current, err));
        setNotice(null);
      })
      .finally(() => {
        clearTimeout(slow);
        setNotice((current) => (current === slowNotice ? null : current));
        if (pendingRef.current === controller) pendingRef.current = null;
        setIsStarting(false);
      });
  }, [start]);

  const disconnect = useCallback(() => {
    pendingRef.current?.abort();
    pendingRef.current = null;
    setError(null);
    setNotice(null);
    end().catch((err: unknown) => setError(describeConnectError(tRef.current, err)));
  }, [end]);

  useEffect(() => {
    if (!agentFailure) {
      // another agent took the call over (a crashed job's replacement): its failure is over
      setError((current) => (current === agentErrorRef.current ? null : current));
      return;
    }
    agentErrorRef.current = tRef.current('session.agentUnavailable', { reason: agentFailure });
    setError(agentErrorRef.current);
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
