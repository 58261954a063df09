import { routeHref } from '../../../app/routes';
import { useConversationList } from '../hooks/use-conversation-list';
import { formatDateTime, useTranslate } from '../../../i18n';

export function HistoryPage() {
  const { items, hasMore, loading, error, loadMore, reload } = useConversationList();
  const { t, language } = useTranslate();
  return (
    <section className="history page" aria-labelledby="history-title">
      <h2 id="history-title">{t('history.title')}</h2>
      {error && (
        <div className="alert">
          <p className="alert-text" role="alert">
            {t('history.loadFailed', { error })}
          </p>
          <button type="button" className="button button-primary" onClick={reload}>
            {t('app.retry')}
          </button>
        </div>
      )}
      {!loading && !error && items.length === 0 && <p className="empty">{t('history.empty')}</p>}
      {items.length > 0 && (
        <ul className="history-list" aria-label={t('history.list')}>
          {items.map((item) => (
            <li key={item.id} data-testid="history-item">
              <a className="history-link" href={routeHref({ name: 'conversation', id: item.id })}>
                <span className="history-when">{formatDateTime(language, item.started_at)}</span>
                <span className="history-meta">
                  {[item.metadata.persona, item.metadata.voice].filter(Boolean).join(' · ') || t('history.default')}
                  {item.status === 'active' ? ` · ${t('history.inProgress')}` : ''}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {loading && (
        <p className="empty" role="status">
          {t('app.loading')}
        </p>
      )}
      {hasMore && !loading && (
        <button type="button" className="button button-secondary" onClick={loadMore}>
          {t('history.loadMore')}
        </button>
      )}
    </section>
  );
}
