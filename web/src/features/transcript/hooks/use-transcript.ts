import { useMemo, useRef } from 'react';
import type { ReceivedMessage } from '@livekit/components-react';
import { buildTranscript, type TranscriptEntry } from '../transcript-entries';

/** Transcript entries for `useSessionMessages().messages`, in stable first-seen order. */
export function useTranscript(messages: ReadonlyArray<ReceivedMessage>): TranscriptEntry[] {
  const firstSeenRef = useRef(new Map<string, number>());
  return useMemo(() => buildTranscript(messages, firstSeenRef.current), [messages]);
}
