import type { TokenSourceFixed, TokenSourceResponseObject } from 'livekit-client';
import { api, expectData, type ApiClient } from '../../api/client';
import type { ConversationCreate } from '../../api/types';

/** Persona, voice and language; the backend's defaults fill whatever is left out. */
export type ConversationRequest = Omit<ConversationCreate, 'id'>;
export type StartedConversation = { conversationId: string; roomName: string };

/**
 * A token source that creates one conversation per Connect click (`POST /api/conversations`,
 * whose room metadata carries the persona and voice) and hands its token to `useSession`.
 *
 * `useSession` also asks for a token on mount (to warm up the connection) and after every
 * hang-up; those calls must not create conversations, so only a request queued by `arm()`
 * does. Otherwise the last token is returned, or (before any call) a promise that never
 * settles, which leaves the warm-up waiting harmlessly.
 */
export class ConversationTokenSource implements TokenSourceFixed {
  private armed: ConversationRequest | null = null;
  private last: TokenSourceResponseObject | null = null;

  constructor(
    private readonly client: ApiClient = api,
    private readonly onStarted: (started: StartedConversation) => void = () => undefined,
  ) {}

  /** The next `fetch()` creates a conversation with these choices. */
  arm(request: ConversationRequest): void {
    this.armed = request;
  }

  async fetch(): Promise<TokenSourceResponseObject> {
    const request = this.armed;
    if (request === null) {
      return this.last ?? new Promise<never>(() => undefined);
    }
    this.armed = null;
    const created = expectData(await this.client.POST('/api/conversations', { body: request }));
    this.last = {
      serverUrl: created.connection.server_url,
      participantToken: created.connection.participant_token,
    };
    this.onStarted({ conversationId: created.conversation.id, roomName: created.connection.room_name });
    return this.last;
  }
}
