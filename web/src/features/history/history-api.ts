import { api, expectData, type ApiClient } from '../../api/client';
import type { ConversationRecord, ConversationSummary } from '../../api/types';

export type { ConversationRecord, ConversationSummary };
export type ConversationPage = { items: ConversationSummary[]; nextCursor: string | null };

export const PAGE_SIZE = 20;

export async function listConversations(cursor: string | null, client: ApiClient = api): Promise<ConversationPage> {
  const page = expectData(
    await client.GET('/api/conversations', {
      params: { query: cursor ? { limit: PAGE_SIZE, cursor } : { limit: PAGE_SIZE } },
    }),
  );
  return { items: page.items, nextCursor: page.next_cursor };
}

export async function getConversation(id: string, client: ApiClient = api): Promise<ConversationRecord> {
  return expectData(await client.GET('/api/conversations/{conversation_id}', { params: { path: { conversation_id: id } } }));
}

export async function deleteConversation(id: string, client: ApiClient = api): Promise<void> {
  await client.DELETE('/api/conversations/{conversation_id}', { params: { path: { conversation_id: id } } });
}

/** The export as the backend names it (Content-Disposition), as a file to save. */
export async function exportConversation(id: string, client: ApiClient = api): Promise<{ blob: Blob; filename: string }> {
  const result = await client.GET('/api/conversations/{conversation_id}/export', {
    params: { path: { conversation_id: id } },
    parseAs: 'blob',
  });
  const named = /filename="([^"]+)"/.exec(result.response.headers.get('Content-Disposition') ?? '');
  return {
    blob: expectData(result),
    filename: named?.[1] ?? `conversation-${id}.json`,
  };
}
