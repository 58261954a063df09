import { describe, expect, it } from 'vitest';
import { messageAt, messageOffsets, recordingParts, recordingUrl } from './playback';

const messages = [
  { id: 'greeting', created_at: '2026-11-30T04:00:01Z' },
  { id: 'question', created_at: '2026-11-30T04:00:06.500Z' },
  { id: 'answer', created_at: '2026-11-30T04:00:09Z' },
];

describe('playback', () => {
  it('places each message on the recording from its start', () => {
    const offsets = messageOffsets(messages, [{ started_at: '2026-11-30T04:00:00.500Z', starts_at_s: 0 }]);
    expect([...offsets.values()]).toEqual([0.5, 6, 8.5]);
  });

  it('places a resumed call by its parts: the time lost to the crash is not in the recording', () => {
    const parts = [
      { started_at: '2026-11-30T04:00:00Z', starts_at_s: 0 },
      { started_at: '2026-11-30T04:00:06Z', starts_at_s: 4 }, // the first agent recorded 4 s
    ];
    const offsets = messageOffsets(messages, parts);
    expect([...offsets.values()]).toEqual([1, 4.5, 7]);
  });

  it('has one part from the start where the backend names none', () => {
    expect(recordingParts({ started_at: '2026-11-30T04:00:00Z' })).toEqual([
      { started_at: '2026-11-30T04:00:00Z', starts_at_s: 0 },
    ]);
  });

  it('highlights the last message said at or before the playhead', () => {
    const offsets = messageOffsets(messages, [{ started_at: '2026-11-30T04:00:00Z', starts_at_s: 0 }]);
    expect(messageAt(offsets, 0.2)).toBeNull();
    expect(messageAt(offsets, 1)).toBe('greeting');
    expect(messageAt(offsets, 6.4)).toBe('greeting');
    expect(messageAt(offsets, 6.5)).toBe('question');
    expect(messageAt(offsets, 60)).toBe('answer');
  });

  it('addresses the recording, or its download', () => {
    expect(recordingUrl('abc')).toBe('/api/conversations/abc/recording');
    expect(recordingUrl('abc', { download: true })).toBe('/api/conversations/abc/recording?download=true');
  });
});
