import { useCallback, useEffect, useRef, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { listConversations, type ConversationSummary } from '../history-api';

export type ConversationList = {
  items: ConversationSummary[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore: () => void;
  reload: () => void;
};

/** Past conversations, newest first, a page at a time. */
export function useConversationList(): ConversationList {
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback((from: string | null) => {
    const id = ++request.current;
    setLoading(true);
    setError(null);
    listConversations(from)
      .then((page) => {
        if (id !== request.current) return;
        setItems((previous) => (from === null ? page.items : [...previous, ...page.items]));
        setCursor(page.nextCursor);
        setHasMore(page.nextCursor !== null);
      })
      .catch((err: unknown) => {
        if (id === request.current) setError(describeApiError(err));
      })
      .finally(() => {
        if (id === request.current) setLoading(false);
      });
  }, []);

  useEffect(() => {
    load(null);
    return () => {
      request.current += 1; // drop answers that arrive after unmount
    };
  }, [load]);

  const loadMore = useCallback(() => {
    if (cursor !== null) load(cursor);
  }, [cursor, load]);
  const reload = useCallback(() => load(null), [load]);

  return { items, hasMore, loading, error, loadMore, reload };
}
