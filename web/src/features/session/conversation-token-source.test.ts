import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/api-error';
import { conversation } from '../../testing/api-fixtures';
import { server } from '../../testing/msw-server';
import { ConversationTokenSource, endConversation } from './conversation-token-source';

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

describe('ConversationTokenSource.rejoin', () => {
  const call = { conversationId: conversation(1).id, roomName: 'room-1' };

  it('asks for a token for the same room, once, shared by a warm-up in flight', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/token', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ ...connection, participant_token: 'jwt-again' });
      }),
      http.post('/api/conversations', () => HttpResponse.json({}, { status: 500 })),
    );
    const onStarted = vi.fn();
    const source = new ConversationTokenSource(undefined, onStarted);
    source.rejoin(call);
    const first = source.fetch();
    const warmUp = source.fetch(); // useSession's own call, made while the first is in flight
    const expected = { serverUrl: 'ws://127.0.0.1:7880', participantToken: 'jwt-again' };
    await expect(first).resolves.toEqual(expected);
    await expect(warmUp).resolves.toEqual(expected);
    expect(bodies).toEqual([{ room_name: 'room-1' }]);
    expect(onStarted).toHaveBeenCalledExactlyOnceWith(call);
  });

  it('rejects when the call has ended meanwhile', async () => {
    server.use(
      http.post('/api/token', () => HttpResponse.json({ detail: 'conversation has ended' }, { status: 409 })),
    );
    const onStarted = vi.fn();
    const source = new ConversationTokenSource(undefined, onStarted);
    source.rejoin(call);
    await expect(source.fetch()).rejects.toMatchObject({ status: 409, detail: 'conversation has ended' });
    expect(onStarted).not.toHaveBeenCalled();
  });
});

describe('endConversation', () => {
  it('posts the hang-up for the conversation', async () => {
    const ended: string[] = [];
    server.use(
      http.post('/api/conversations/:id/end', ({ params }) => {
        ended.push(String(params.id));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await endConversation(conversation(1).id);
    expect(ended).toEqual([conversation(1).id]);
  });
});
