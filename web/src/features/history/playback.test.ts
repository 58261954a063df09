import { describe, expect, it } from 'vitest';
import { messageAt, messageOffsets, recordingUrl } from './playback';

const messages = [
  { id: 'greeting', created_at: '2026-11-30T04:00:01Z' },
  { id: 'question', created_at: '2026-11-30T04:00:06.500Z' },
  { id: 'answer', created_at: '2026-11-30T04:00:09Z' },
];

describe('playback', () => {
  it('places each message on the recording from its start', () => {
    const offsets = messageOffsets(messages, '2026-11-30T04:00:00.500Z');
    expect([...offsets.values()]).toEqual([0.5, 6, 8.5]);
  });

  it('highlights the last message said at or before the playhead', () => {
    const offsets = messageOffsets(messages, '2026-11-30T04:00:00Z');
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
