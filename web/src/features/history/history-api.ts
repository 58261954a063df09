import { api, expectData, type ApiClient } from '../../api/client';
import type { ConversationFile, ConversationRecord, ConversationSummary } from '../../api/types';

export type { ConversationFile, ConversationRecord, ConversationSummary };
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

/** Messages per request after the detail's first page (the backend allows up to 500). */
export const MESSAGE_PAGE_SIZE = 200;

/** The conversation with all its messages: the detail brings the first page, the rest
 * come page by page from `…/messages`. */
export async function getConversation(id: string, client: ApiClient = api): Promise<ConversationRecord> {
  const path = { conversation_id: id };
  const detail = expectData(await client.GET('/api/conversations/{conversation_id}', { params: { path } }));
  const messages = [...detail.messages];
  let cursor = detail.messages_next_cursor ?? null;
  while (cursor) {
    const page = expectData(
      await client.GET('/api/conversations/{conversation_id}/messages', {
        params: { path, query: { limit: MESSAGE_PAGE_SIZE, cursor } },
      }),
    );
    messages.push(...page.items);
    cursor = page.next_cursor;
  }
  return { ...detail, messages, messages_next_cursor: null };
}

/** The files shared in the conversation, oldest first, with the text the agent read. */
export async function listConversationFiles(id: string, client: ApiClient = api): Promise<ConversationFile[]> {
  return expectData(
    await client.GET('/api/conversations/{conversation_id}/files', { params: { path: { conversation_id: id } } }),
  );
}

/** The address of an image kept with the conversation (the owner's session cookie opens it). */
export function fileContentUrl(conversationId: string, fileId: string): string {
  return `/api/conversations/${encodeURIComponent(conversationId)}/files/${encodeURIComponent(fileId)}/content`;
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
