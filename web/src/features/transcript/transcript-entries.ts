import type { ReceivedMessage } from '@livekit/components-react';
import type { PlacedAttachment } from '../chat/hooks/use-attachments';

export type TranscriptRole = 'user' | 'agent';

export type TranscriptEntry = {
  /** Stable across interim updates of the same spoken segment. */
  key: string;
  role: TranscriptRole;
  text: string;
  /** `false` only for a user transcript the STT may still revise. */
  final: boolean;
  kind: 'speech' | 'chat' | 'file';
  /** A file the user sent (`kind: 'file'`). */
  attachment?: PlacedAttachment;
};

// Attribute names from livekit-client `ParticipantAgentAttributes` (attribute-typings).
const SEGMENT_ID_ATTRIBUTE = 'lk.segment_id';
const TRANSCRIPTION_FINAL_ATTRIBUTE = 'lk.transcription_final';

export function messageRole(message: ReceivedMessage): TranscriptRole {
  switch (message.type) {
    case 'userTranscript':
      return 'user';
    case 'agentTranscript':
      return 'agent';
    default:
      // Chat: what this browser sent comes back with `from` = the local participant.
      return message.from?.isLocal ? 'user' : 'agent';
  }
}

/**
 * Each interim STT update arrives as a new text stream (new message id) that shares the
 * segment id, so the segment id is the key that lets a bubble update in place.
 */
export function messageKey(message: ReceivedMessage): string {
  const segmentId = message.attributes?.[SEGMENT_ID_ATTRIBUTE];
  return segmentId ? `segment:${segmentId}` : `message:${message.id}`;
}

function isFinal(message: ReceivedMessage): boolean {
  // Agent speech streams carry "false" until their trailer, which the reader does not
  // surface, so only user transcripts are treated as interim.
  return !(
    message.type === 'userTranscript' &&
    message.attributes?.[TRANSCRIPTION_FINAL_ATTRIBUTE] === 'false'
  );
}

/**
 * Fold session messages into transcript entries, one per segment, ordered by when each
 * segment was first seen. `firstSeen` persists between calls (a ref in the hook) and is
 * updated in place.
 */
export function buildTranscript(
  messages: ReadonlyArray<ReceivedMessage>,
  firstSeen: Map<string, number>,
): TranscriptEntry[] {
  const byKey = new Map<string, TranscriptEntry>();
  for (const message of messages) {
    const key = messageKey(message);
    if (!firstSeen.has(key)) firstSeen.set(key, firstSeen.size);
    // Later messages for the same segment replace earlier ones (latest interim wins).
    byKey.set(key, {
      key,
      role: messageRole(message),
      text: message.message,
      final: isFinal(message),
      kind: message.type === 'userTranscript' || message.type === 'agentTranscript' ? 'speech' : 'chat',
    });
  }
  return [...byKey.values()]
    .filter((entry) => entry.text.trim() !== '')
    .sort((a, b) => (firstSeen.get(a.key) ?? 0) - (firstSeen.get(b.key) ?? 0));
}

/** `entries` with each attachment after the first `after` of them (in the order sent). */
export function placeAttachments(
  entries: ReadonlyArray<TranscriptEntry>,
  attachments: ReadonlyArray<PlacedAttachment>,
): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  let next = 0;
  const placeUpTo = (count: number) => {
    while (next < attachments.length && attachments[next]!.after <= count) {
      const attachment = attachments[next]!;
      out.push({ key: attachment.key, role: 'user', text: attachment.name, final: true, kind: 'file', attachment });
      next += 1;
    }
  };
  entries.forEach((entry, index) => {
    placeUpTo(index);
    out.push(entry);
  });
  placeUpTo(Number.POSITIVE_INFINITY);
  return out;
}
