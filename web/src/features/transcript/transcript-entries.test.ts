import type { ReceivedMessage } from '@livekit/components-react';
import type { Participant } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { buildTranscript, messageKey, messageRole, placeAttachments, type TranscriptEntry } from './transcript-entries';

const local = { isLocal: true, identity: 'user-1' } as Participant;
const remote = { isLocal: false, identity: 'agent-1' } as Participant;

function userSpeech(id: string, text: string, segment: string, final: boolean): ReceivedMessage {
  return {
    type: 'userTranscript',
    id,
    timestamp: 0,
    message: text,
    from: local,
    attributes: { 'lk.segment_id': segment, 'lk.transcription_final': String(final) },
  };
}

function agentSpeech(id: string, text: string, segment: string): ReceivedMessage {
  return {
    type: 'agentTranscript',
    id,
    timestamp: 0,
    message: text,
    from: remote,
    attributes: { 'lk.segment_id': segment, 'lk.transcription_final': 'false' },
  };
}

function chat(id: string, text: string, from?: Participant): ReceivedMessage {
  return { type: 'chatMessage', id, timestamp: 0, message: text, from };
}

describe('messageRole', () => {
  it('uses the message type for transcripts', () => {
    expect(messageRole(userSpeech('a', 'hi', 's1', true))).toBe('user');
    // even when `from` is missing or unexpected, the type wins
    expect(messageRole({ ...agentSpeech('b', 'hello', 's2'), from: local })).toBe('agent');
  });

  it('treats chat from the local participant as the user, anything else as the agent', () => {
    expect(messageRole(chat('c1', 'typed', local))).toBe('user');
    expect(messageRole(chat('c2', 'reply', remote))).toBe('agent');
    expect(messageRole(chat('c3', 'orphan'))).toBe('agent');
  });
});

describe('messageKey', () => {
  it('prefers the segment id so interim updates share a key', () => {
    expect(messageKey(userSpeech('stream-1', 'hel', 'SG_1', false))).toBe(
      messageKey(userSpeech('stream-2', 'hello', 'SG_1', true)),
    );
    expect(messageKey(chat('c1', 'x'))).toBe('message:c1');
  });
});

describe('buildTranscript', () => {
  it('collapses interim updates of a segment into one entry with the latest text', () => {
    const firstSeen = new Map<string, number>();
    const entries = buildTranscript(
      [userSpeech('s-1', 'what is', 'SG_1', false), userSpeech('s-2', 'what is the time', 'SG_1', true)],
      firstSeen,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ role: 'user', text: 'what is the time', final: true });
  });

  it('marks a user transcript still being revised as not final, but never agent speech', () => {
    const entries = buildTranscript(
      [userSpeech('s-1', 'what is', 'SG_1', false), agentSpeech('a-1', 'It is', 'SG_2')],
      new Map(),
    );
    expect(entries.map((entry) => entry.final)).toEqual([false, true]);
  });

  it('keeps first-seen order even when a later update arrives with a new message id', () => {
    const firstSeen = new Map<string, number>();
    buildTranscript([userSpeech('s-1', 'hel', 'SG_1', false), chat('c-1', 'typed', local)], firstSeen);
    // useSessionMessages re-sorts the updated stream (new id) to the end; we must not.
    const entries = buildTranscript(
      [chat('c-1', 'typed', local), userSpeech('s-2', 'hello', 'SG_1', true), agentSpeech('a-1', 'Hi!', 'SG_9')],
      firstSeen,
    );
    expect(entries.map((entry) => entry.text)).toEqual(['hello', 'typed', 'Hi!']);
    expect(entries.map((entry) => entry.kind)).toEqual(['speech', 'chat', 'speech']);
  });

  it('drops empty text (a stream that has not produced words yet)', () => {
    expect(buildTranscript([agentSpeech('a-1', '  ', 'SG_1')], new Map())).toEqual([]);
  });
});

describe('placeAttachments', () => {
  const line = (key: string): TranscriptEntry => ({ key, role: 'agent', text: key, final: true, kind: 'speech' });
  const file = (key: string, after: number) => ({ key, name: `${key}.txt`, size: 1, preview: null, after });

  it('puts each file after the entries there were when it was sent', () => {
    const placed = placeAttachments([line('a'), line('b'), line('c')], [file('f1', 1), file('f2', 1), file('f3', 5)]);
    expect(placed.map((e) => e.key)).toEqual(['a', 'f1', 'f2', 'b', 'c', 'f3']);
    expect(placed[1]).toMatchObject({ role: 'user', kind: 'file', text: 'f1.txt' });
  });

  it('keeps the transcript as it is without files', () => {
    const entries = [line('a')];
    expect(placeAttachments(entries, [])).toEqual(entries);
  });
});
