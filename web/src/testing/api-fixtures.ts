import type {
  AuthSession,
  CallOptions,
  ConversationRecord,
  ConversationSummary,
} from '../api/types';

export const callOptions: CallOptions = {
  personas: [
    { id: 'assistant', name: 'Assistant', description: 'Helpful and brief' },
    { id: 'tutor', name: 'Tutor', description: 'Explains step by step' },
  ],
  voices: [
    { id: 'default', name: 'Joe' },
    { id: 'amy', name: 'Amy' },
  ],
  languages: ['en'],
  defaults: { persona: 'assistant', voice: 'default', language: 'en' },
  recording_allowed: true,
};

export const openSession: AuthSession = { auth_required: false, user: null };

export function conversation(n: number, overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    room_name: `room-${n}`,
    status: 'ended',
    started_at: `2026-11-2${n % 10}T10:00:00Z`,
    ended_at: `2026-11-2${n % 10}T10:05:00Z`,
    metadata: { persona: 'tutor', voice: 'amy', language: 'en' },
    ...overrides,
  };
}

export function conversationDetail(n: number): ConversationRecord {
  return {
    ...conversation(n),
    messages: [
      {
        id: 'm1',
        role: 'user',
        text: 'What is the capital of France?',
        created_at: '2026-11-21T10:00:05Z',
        latency: {},
        interrupted: false,
      },
      {
        id: 'm2',
        role: 'assistant',
        text: 'The capital of France is Paris.',
        created_at: '2026-11-21T10:00:06Z',
        latency: { transcription_ms: 210.4, end_of_turn_ms: 90, ttft_ms: 349.6, ttfb_ms: 120, e2e_ms: 812.2 },
        interrupted: false,
      },
    ],
    events: [
      {
        id: 'e1',
        kind: 'error',
        source: 'tts',
        detail: 'voice model reloaded',
        created_at: '2026-11-21T10:00:07Z',
        turn_id: 'm2',
      },
    ],
  };
}
