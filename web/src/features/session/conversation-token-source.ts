import type { TokenSourceFixed, TokenSourceResponseObject } from 'livekit-client';
import { api, expectData, type ApiClient } from '../../api/client';
import type { ConversationCreate } from '../../api/types';

/** Persona, voice and language; the backend's defaults fill whatever is left out. */
export type ConversationRequest = Omit<ConversationCreate, 'id'>;
export type StartedConversation = { conversationId: string; roomName: string };

type Armed = { kind: 'new'; request: ConversationRequest } | { kind: 'rejoin'; call: StartedConversation };

/**
 * A token source that creates one conversation per Connect click (`POST /api/conversations`,
 * whose room metadata carries the persona and voice), or rejoins the call a reload left
 * (`POST /api/token` with its room), and hands the token to `useSession`.
 *
 * `useSession` also asks for a token on mount (to warm up the connection) and after every
 * hang-up; those calls must not create conversations, so only a request queued by `arm()` or
 * `rejoin()` does. A call while that request is in flight shares it; otherwise the last
 * token is returned, or (before any call) a promise that never settles, which leaves the
 * warm-up waiting harmlessly.
 */
export class ConversationTokenSource implements TokenSourceFixed {
  private armed: Armed | null = null;
  private pending: Promise<TokenSourceResponseObject> | null = null;
  private last: TokenSourceResponseObject | null = null;

  constructor(
    private readonly client: ApiClient = api,
    private readonly onStarted: (started: StartedConversation) => void = () => undefined,
  ) {}

  /** The next `fetch()` creates a conversation with these choices. */
  arm(request: ConversationRequest): void {
    this.armed = { kind: 'new', request };
  }

  /** The next `fetch()` asks for a token for `call`'s room again (it must still be active). */
  rejoin(call: StartedConversation): void {
    this.armed = { kind: 'rejoin', call };
  }

  async fetch(): Promise<TokenSourceResponseObject> {
    const armed = this.armed;
    if (armed === null) {
      return this.pending ?? this.last ?? new Promise<never>(() => undefined);
    }
    this.armed = null;
    const pending = armed.kind === 'new' ? this.create(armed.request) : this.again(armed.call);
    this.pending = pending;
    try {
      this.last = await pending;
      return this.last;
    } finally {
      if (this.pending === pending) this.pending = null;
    }
  }

  private async create(request: ConversationRequest): Promise<TokenSourceResponseObject> {
    const created = expectData(await this.client.POST('/api/conversations', { body: request }));
    this.onStarted({ conversationId: created.conversation.id, roomName: created.connection.room_name });
    return { serverUrl: created.connection.server_url, participantToken: created.connection.participant_token };
  }

  private async again(call: StartedConversation): Promise<TokenSourceResponseObject> {
    const token = expectData(await this.client.POST('/api/token', { body: { room_name: call.roomName } }));
    this.onStarted(call);
    return { serverUrl: token.server_url, participantToken: token.participant_token };
  }
}

/** Hang up: the backend ends the conversation and deletes its room (the agent leaves). */
export async function endConversation(conversationId: string, client: ApiClient = api): Promise<void> {
  await client.POST('/api/conversations/{conversation_id}/end', {
    params: { path: { conversation_id: conversationId } },
  });
}
