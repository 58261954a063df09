import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/api-error';
import { conversation } from '../../testing/api-fixtures';
import { server } from '../../testing/msw-server';
import { ConversationTokenSource } from './conversation-token-source';

const connection = {
  server_url: 'ws://127.0.0.1:7880',
  participant_token: 'jwt-1',
  room_name: 'room-1',
  participant_identity: 'local',
};

describe('ConversationTokenSource', () => {
  it('creates a conversation only when armed, with the chosen persona and voice', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/conversations', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ conversation: conversation(1), connection }, { status: 201 });
      }),
    );
    const onStarted = vi.fn();
    const source = new ConversationTokenSource(undefined, onStarted);

    // The mount-time warm-up: no conversation, and it waits.
    const warmUp = source.fetch();
    const settled = await Promise.race([warmUp.then(() => 'settled'), Promise.resolve('pending')]);
    expect(settled).toBe('pending');

    source.arm({ persona: 'tutor', voice: 'amy', language: 'en' });
    await expect(source.fetch()).resolves.toEqual({ serverUrl: 'ws://127.0.0.1:7880', participantToken: 'jwt-1' });
    expect(bodies).toEqual([{ persona: 'tutor', voice: 'amy', language: 'en' }]);
    expect(onStarted).toHaveBeenCalledWith({ conversationId: conversation(1).id, roomName: 'room-1' });

    // After a hang-up useSession refreshes: the last token, no new conversation.
    await expect(source.fetch()).resolves.toMatchObject({ participantToken: 'jwt-1' });
    expect(bodies).toHaveLength(1);
  });

  it('rejects with the backend detail when the conversation cannot be created', async () => {
    server.use(
      http.post('/api/conversations', () =>
        HttpResponse.json({ detail: 'conversation limit reached' }, { status: 409 }),
      ),
    );
    const source = new ConversationTokenSource();
    source.arm({});
    const failure = source.fetch();
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 409, detail: 'conversation limit reached' });
  });
});
