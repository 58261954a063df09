import { useMemo, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { navigate } from '../../../app/use-hash-route';
import { routeHref } from '../../../app/routes';
import { formatDateTime, formatTime, useTranslate } from '../../../i18n';
import { useUiStore } from '../../../store/ui-store';
import { formatMs } from '../../metrics/latency-rows';
import { RatingForm } from '../../rating/components/rating-form';
import { deleteConversation, exportConversation, type ConversationRecord } from '../history-api';
import { figureEntries } from '../format';
import { useConversation } from '../hooks/use-conversation';
import { messageAt, messageOffsets, recordingParts } from '../playback';
import { saveFile } from '../save-file';
import { DeleteConfirm } from './delete-confirm';
import { RecordingPlayer } from './recording-player';
import { SharedFiles } from './shared-files';

export function ConversationView({ id }: { id: string }) {
  const { state, reload } = useConversation(id);
  const { t } = useTranslate();
  return (
    <section className="conversation page" aria-labelledby="conversation-title">
      <a className="back-link" href={routeHref({ name: 'history' })}>
        {t('conversation.back')}
      </a>
      <h2 id="conversation-title">{t('conversation.title')}</h2>
      {state.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {state.status === 'missing' && <p role="alert">{t('conversation.missing')}</p>}
      {state.status === 'failed' && (
        <div className="alert">
          <p className="alert-text" role="alert">
            {t('conversation.loadFailed', { error: state.error })}
          </p>
          <button type="button" className="button button-primary" onClick={reload}>
            {t('app.retry')}
          </button>
        </div>
      )}
      {state.status === 'ready' && <ConversationDetails conversation={state.conversation} />}
    </section>
  );
}

function ConversationDetails({ conversation }: { conversation: ConversationRecord }) {
  const pushToast = useUiStore((store) => store.pushToast);
  const { t, language } = useTranslate();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const { persona, voice } = conversation.metadata;
  const recording = conversation.recording ?? null;
  const offsets = useMemo(
    () => (recording ? messageOffsets(conversation.messages, recordingParts(recording)) : null),
    [conversation.messages, recording],
  );
  const [playhead, setPlayhead] = useState<number | null>(null);
  const speaking = offsets && playhead !== null ? messageAt(offsets, playhead) : null;

  const download = () => {
    exportConversation(conversation.id)
      .then(({ blob, filename }) => saveFile(blob, filename))
      .catch((error: unknown) => pushToast(t('conversation.exportFailed', { error: describeApiError(error) })));
  };
  const remove = () => {
    setBusy(true);
    deleteConversation(conversation.id)
      .then(() => {
        pushToast(t('conversation.deleted'), 'info');
        navigate(routeHref({ name: 'history' }));
      })
      .catch((error: unknown) => {
        pushToast(t('conversation.deleteFailed', { error: describeApiError(error) }));
        setBusy(false);
        setConfirming(false);
      });
  };

  return (
    <>
      <p className="conversation-meta">
        {formatDateTime(language, conversation.started_at)}
        {persona ? ` · ${persona}` : ''}
        {voice ? ` · ${voice}` : ''}
        {conversation.status === 'active' ? ` · ${t('history.inProgress')}` : ''}
        {recording ? ` · ${t('conversation.recorded')}` : ''}
      </p>
      <div className="conversation-actions">
        <button type="button" className="button button-secondary" onClick={download}>
          {t('conversation.export')}
        </button>
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)} disabled={confirming}>
          {t('conversation.delete')}
        </button>
      </div>
      {confirming && <DeleteConfirm busy={busy} onConfirm={remove} onCancel={() => setConfirming(false)} />}
      {conversation.status === 'ended' && (
        <RatingForm conversationId={conversation.id} initial={conversation.rating ?? null} title={t('rating.yours')} />
      )}

      {/* with a recording: the player beside the transcript on a wide screen, above it on a narrow one */}
      <div className={recording ? 'history-body with-recording' : 'history-body'} data-testid="history-body">
        {recording && (
          <section className="history-recording" aria-labelledby="history-recording-title">
            <h3 id="history-recording-title">{t('call.recording')}</h3>
            <RecordingPlayer conversationId={conversation.id} onTime={setPlayhead} />
          </section>
        )}

        <section className="history-transcript-section" aria-labelledby="history-transcript-title">
          <h3 id="history-transcript-title">{t('transcript.list')}</h3>
          {conversation.messages.length === 0 ? (
            <p className="empty">{t('conversation.nothingSaid')}</p>
          ) : (
            <ol className="transcript-list history-transcript" aria-label={t('conversation.savedTranscript')}>
              {conversation.messages.map((message) => {
                const figures = figureEntries(t, message.latency);
                return (
                  <li
                    key={message.id}
                    className={`bubble bubble-${message.role === 'user' ? 'user' : 'agent'}`}
                    data-testid={message.role === 'user' ? 'saved-user' : 'saved-agent'}
                    data-speaking={message.id === speaking ? 'true' : undefined}
                    aria-current={message.id === speaking ? 'true' : undefined}
                  >
                    <span className="visually-hidden">{message.role === 'user' ? t('transcript.you') : t('transcript.assistant')}</span>
                    {message.text}
                    {message.interrupted && <span className="latency-tag"> {t('conversation.interrupted')}</span>}
                    {figures.length > 0 && (
                      <dl className="turn-figures" aria-label={t('conversation.turnFigures')} data-testid="turn-figures">
                        {figures.map((figure) => (
                          <div key={figure.key}>
                            <dt>{figure.label}</dt>
                            <dd>{formatMs(figure.ms)}</dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>

      <SharedFiles conversationId={conversation.id} />

      {conversation.events && conversation.events.length > 0 && (
        <>
          <h3>{t('conversation.events')}</h3>
          <ol className="event-list" aria-label={t('conversation.events')}>
            {conversation.events.map((event) => (
              <li key={event.id} data-testid="event" data-kind={event.kind}>
                <time dateTime={event.created_at}>{formatTime(language, event.created_at)}</time> <strong>{event.kind}</strong>
                {event.source ? ` (${event.source})` : ''}
                {event.detail ? `: ${event.detail}` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}
