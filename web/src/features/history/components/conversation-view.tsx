import { useMemo, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { navigate } from '../../../app/use-hash-route';
import { routeHref } from '../../../app/routes';
import { useUiStore } from '../../../store/ui-store';
import { formatMs } from '../../metrics/latency-rows';
import { RatingForm } from '../../rating/components/rating-form';
import { deleteConversation, exportConversation, type ConversationRecord } from '../history-api';
import { figureEntries, formatDateTime, formatTime } from '../format';
import { useConversation } from '../hooks/use-conversation';
import { messageAt, messageOffsets, recordingParts } from '../playback';
import { saveFile } from '../save-file';
import { DeleteConfirm } from './delete-confirm';
import { RecordingPlayer } from './recording-player';
import { SharedFiles } from './shared-files';

export function ConversationView({ id }: { id: string }) {
  const { state, reload } = useConversation(id);
  return (
    <section className="conversation page" aria-labelledby="conversation-title">
      <a className="back-link" href={routeHref({ name: 'history' })}>
        ← History
      </a>
      <h2 id="conversation-title">Conversation</h2>
      {state.status === 'loading' && <p role="status">Loading…</p>}
      {state.status === 'missing' && <p role="alert">This conversation does not exist (or was deleted).</p>}
      {state.status === 'failed' && (
        <div className="alert">
          <p className="alert-text" role="alert">
            Could not load the conversation: {state.error}
          </p>
          <button type="button" className="button button-primary" onClick={reload}>
            Retry
          </button>
        </div>
      )}
      {state.status === 'ready' && <ConversationDetails conversation={state.conversation} />}
    </section>
  );
}

function ConversationDetails({ conversation }: { conversation: ConversationRecord }) {
  const pushToast = useUiStore((store) => store.pushToast);
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
      .catch((error: unknown) => pushToast(`Export failed: ${describeApiError(error)}`));
  };
  const remove = () => {
    setBusy(true);
    deleteConversation(conversation.id)
      .then(() => {
        pushToast('Conversation deleted.', 'info');
        navigate(routeHref({ name: 'history' }));
      })
      .catch((error: unknown) => {
        pushToast(`Delete failed: ${describeApiError(error)}`);
        setBusy(false);
        setConfirming(false);
      });
  };

  return (
    <>
      <p className="conversation-meta">
        {formatDateTime(conversation.started_at)}
        {persona ? ` · ${persona}` : ''}
        {voice ? ` · ${voice}` : ''}
        {conversation.status === 'active' ? ' · in progress' : ''}
        {recording ? ' · recorded' : ''}
      </p>
      <div className="conversation-actions">
        <button type="button" className="button button-secondary" onClick={download}>
          Export JSON
        </button>
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)} disabled={confirming}>
          Delete
        </button>
      </div>
      {confirming && <DeleteConfirm busy={busy} onConfirm={remove} onCancel={() => setConfirming(false)} />}
      {conversation.status === 'ended' && (
        <RatingForm conversationId={conversation.id} initial={conversation.rating ?? null} title="Your rating" />
      )}

      {/* with a recording: the player beside the transcript on a wide screen, above it on a narrow one */}
      <div className={recording ? 'history-body with-recording' : 'history-body'} data-testid="history-body">
        {recording && (
          <section className="history-recording" aria-labelledby="history-recording-title">
            <h3 id="history-recording-title">Recording</h3>
            <RecordingPlayer conversationId={conversation.id} onTime={setPlayhead} />
          </section>
        )}

        <section className="history-transcript-section" aria-labelledby="history-transcript-title">
          <h3 id="history-transcript-title">Transcript</h3>
          {conversation.messages.length === 0 ? (
            <p className="empty">Nothing was said in this conversation.</p>
          ) : (
            <ol className="transcript-list history-transcript" aria-label="Saved transcript">
              {conversation.messages.map((message) => {
                const figures = figureEntries(message.latency);
                return (
                  <li
                    key={message.id}
                    className={`bubble bubble-${message.role === 'user' ? 'user' : 'agent'}`}
                    data-testid={message.role === 'user' ? 'saved-user' : 'saved-agent'}
                    data-speaking={message.id === speaking ? 'true' : undefined}
                    aria-current={message.id === speaking ? 'true' : undefined}
                  >
                    <span className="visually-hidden">{message.role === 'user' ? 'You: ' : 'Assistant: '}</span>
                    {message.text}
                    {message.interrupted && <span className="latency-tag"> (interrupted)</span>}
                    {figures.length > 0 && (
                      <dl className="turn-figures" aria-label="Turn latency in ms" data-testid="turn-figures">
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
          <h3>Events</h3>
          <ol className="event-list" aria-label="Events">
            {conversation.events.map((event) => (
              <li key={event.id} data-testid="event" data-kind={event.kind}>
                <time dateTime={event.created_at}>{formatTime(event.created_at)}</time> <strong>{event.kind}</strong>
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
