import { routeHref } from '../../../app/routes';
import { formatDateTime } from '../format';
import { useConversationList } from '../hooks/use-conversation-list';

export function HistoryPage() {
  const { items, hasMore, loading, error, loadMore, reload } = useConversationList();
  return (
    <section className="history page" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {error && (
        <div className="alert">
          <p className="alert-text" role="alert">
            Could not load your conversations: {error}
          </p>
          <button type="button" className="button button-primary" onClick={reload}>
            Retry
          </button>
        </div>
      )}
      {!loading && !error && items.length === 0 && <p className="empty">No conversations yet.</p>}
      {items.length > 0 && (
        <ul className="history-list" aria-label="Conversations">
          {items.map((item) => (
            <li key={item.id} data-testid="history-item">
              <a className="history-link" href={routeHref({ name: 'conversation', id: item.id })}>
                <span className="history-when">{formatDateTime(item.started_at)}</span>
                <span className="history-meta">
                  {[item.metadata.persona, item.metadata.voice].filter(Boolean).join(' · ') || 'default'}
                  {item.status === 'active' ? ' · in progress' : ''}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {loading && (
        <p className="empty" role="status">
          Loading…
        </p>
      )}
      {hasMore && !loading && (
        <button type="button" className="button button-secondary" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
