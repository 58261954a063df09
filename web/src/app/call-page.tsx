import {
  RoomAudioRenderer,
  SessionProvider,
  StartAudio,
  useAgent,
  useSession,
  useSessionContext,
  useSessionMessages,
} from '@livekit/components-react';
import { ConnectionState, Track } from 'livekit-client';
import { useCallback, useState } from 'react';
import { api } from '../api/client';
import type { Env } from '../config/env';
import { useUiStore } from '../store/ui-store';
import { CallSetup } from '../features/call-setup/components/call-setup';
import { useCallOptions } from '../features/call-setup/hooks/use-call-options';
import { ChatForm } from '../features/chat/components/chat-form';
import { useAttachments } from '../features/chat/hooks/use-attachments';
import { DeviceSettings } from '../features/media/components/device-settings';
import { useStoredDevices } from '../features/media/hooks/use-stored-devices';
import { TrackToggleButton } from '../features/media/components/track-toggle-button';
import { VideoTiles } from '../features/media/components/video-tiles';
import { LatencyPanel } from '../features/metrics/components/latency-panel';
import { useClientLatencyReport } from '../features/metrics/hooks/use-client-latency-report';
import { useLatencyRows } from '../features/metrics/hooks/use-latency-rows';
import { currentAgent, toAgentStateLabel } from '../features/session/agent-state';
import { AgentStatus } from '../features/session/components/agent-status';
import { RecordingIndicator } from '../features/session/components/recording-indicator';
import { ConnectionBanner } from '../features/session/components/connection-banner';
import { ConnectionQualityBadge } from '../features/session/components/connection-quality';
import { SessionControls } from '../features/session/components/session-controls';
import {
  ConversationTokenSource,
  endConversation,
  type StartedConversation,
} from '../features/session/conversation-token-source';
import { useCallDrop } from '../features/session/hooks/use-call-drop';
import { useForgetEndedCall, useRejoin } from '../features/session/hooks/use-rejoin';
import { clearCall, saveCall } from '../features/session/stored-call';
import { canCaptureAudio, useSessionConnection } from '../features/session/hooks/use-session-connection';
import { useAgentErrorToasts } from '../features/toasts/hooks/use-agent-error-toasts';
import { TranscriptList } from '../features/transcript/components/transcript-list';
import { useTranscript } from '../features/transcript/hooks/use-transcript';
import { placeAttachments } from '../features/transcript/transcript-entries';
import { RatingForm } from '../features/rating/components/rating-form';
import { routeHref } from './routes';
import { useTranslate } from '../i18n';

type CallPageProps = {
  config: Pick<Env, 'agentConnectTimeoutMs'>;
  /** Hidden while another page shows, so a call goes on during a look at the history. */
  hidden: boolean;
};

export function CallPage({ config, hidden }: CallPageProps) {
  const [started, setStarted] = useState<StartedConversation | null>(null);
  const [tokenSource] = useState(
    () =>
      new ConversationTokenSource(api, (call) => {
        saveCall(call); // a reload rejoins it
        setStarted(call);
      }),
  );
  const session = useSession(tokenSource, { agentConnectTimeoutMilliseconds: config.agentConnectTimeoutMs });

  return (
    <SessionProvider session={session}>
      <div className="call-page" hidden={hidden}>
        <CallScreen tokenSource={tokenSource} started={started} />
      </div>
      <RoomAudioRenderer />
    </SessionProvider>
  );
}

function CallScreen({ tokenSource, started }: { tokenSource: ConversationTokenSource; started: StartedConversation | null }) {
  const session = useSessionContext();
  const agent = useAgent();
  const live = currentAgent(agent, { disconnected: session.connectionState === ConnectionState.Disconnected });
  const { messages, send } = useSessionMessages();
  const transcript = useTranscript(messages);
  const { attachments, attach } = useAttachments(session.room, transcript.length);
  const failure = live.failureReasons?.join(' ') || null;
  const connection = useSessionConnection(session, failure);
  const drop = useCallDrop(session.room);
  const options = useCallOptions();
  const { t } = useTranslate();
  useAgentErrorToasts(session.room);
  useStoredDevices(session.room);

  const micTrack =
    session.local.microphoneTrack?.publication.track?.mediaStreamTrack ??
    session.room.localParticipant.getTrackPublication(Track.Source.Microphone)?.track?.mediaStreamTrack;
  const latencyRows = useLatencyRows(session.room, micTrack, agent.microphoneTrack?.publication.track?.mediaStreamTrack);
  useClientLatencyReport(session.isConnected ? session.room.name : '', latencyRows);

  const { connect, disconnect } = connection;
  const rejoin = useRejoin(tokenSource, connect);
  const { reset: resetRejoin } = rejoin;
  useForgetEndedCall(session.room);
  // The call the user hung up (not one that dropped): it may be rated below.
  const [hungUpId, setHungUpId] = useState<string | null>(null);
  const startCall = useCallback(() => {
    resetRejoin();
    setHungUpId(null);
    const { choice } = useUiStore.getState();
    tokenSource.arm({
      ...(choice.persona ? { persona: choice.persona } : {}),
      ...(choice.voice ? { voice: choice.voice } : {}),
      ...(choice.record ? { record: true } : {}),
      ...(choice.language ? { language: choice.language } : {}),
    });
    drop.dismiss();
    connect();
  }, [tokenSource, connect, drop, resetRejoin]);

  // Hang up: only this ends the call. Leaving the room otherwise (a reload) keeps it a while.
  const hangUp = useCallback(() => {
    clearCall();
    if (started) {
      endConversation(started.conversationId).catch(() => undefined);
      setHungUpId(started.conversationId);
    }
    disconnect();
  }, [started, disconnect]);

  const isConnecting = connection.isStarting || session.connectionState === ConnectionState.Connecting;
  const stateLabel = toAgentStateLabel(live.state, { isStarting: isConnecting });
  const canRetry = !session.isConnected;

  return (
    <article className="card" aria-labelledby="call-title">
      <header className="card-header">
        <h2 id="call-title" className="visually-hidden">
          {t('call.title')}
        </h2>
        <AgentStatus label={stateLabel} agentState={live.state} audioTrack={agent.microphoneTrack} />
        {session.isConnected && <RecordingIndicator attributes={agent.attributes} />}
        {session.isConnected && <ConnectionQualityBadge participant={session.room.localParticipant} />}
      </header>

      <ConnectionBanner
        connectionState={session.connectionState}
        error={connection.error}
        dropped={drop.message}
        isBusy={isConnecting || !canRetry}
        onRetry={startCall}
        onDismiss={() => {
          connection.dismissError();
          drop.dismiss();
        }}
      />
      {rejoin.note && !session.isConnected && (
        <p className="notice" role="status">
          {rejoin.note}
        </p>
      )}
      {connection.notice && (
        <p className="notice" role="status">
          {connection.notice}
        </p>
      )}

      {!session.isConnected && <CallSetup options={options.options} error={options.error} disabled={isConnecting} />}

      <div className="call-controls">
        <SessionControls
          isConnected={session.isConnected}
          isBusy={isConnecting}
          showMicToggle={canCaptureAudio()}
          onConnect={startCall}
          onDisconnect={hangUp}
        />
        {session.isConnected && canCaptureAudio() && (
          <div className="media-controls">
            <TrackToggleButton source={Track.Source.Camera} />
            <TrackToggleButton source={Track.Source.ScreenShare} />
            <DeviceSettings />
          </div>
        )}
      </div>
      <StartAudio label={t('call.enableAudio')} className="button button-secondary start-audio" />
      {!session.isConnected && !isConnecting && started && (
        <p className="notice" role="status">
          {t('call.saved')}{' '}
          <a href={routeHref({ name: 'conversation', id: started.conversationId })}>{t('call.openInHistory')}</a>
        </p>
      )}
      {!session.isConnected && !isConnecting && started && hungUpId === started.conversationId && (
        <RatingForm key={hungUpId} conversationId={hungUpId} />
      )}

      <VideoTiles />
      <TranscriptList
        entries={[...rejoin.earlier, ...placeAttachments(transcript, attachments)]}
        isConnected={session.isConnected}
      />
      <ChatForm disabled={!session.isConnected} onSend={send} onAttach={attach} />
      {/* Kept after hang-up so the last call's figures stay readable; cleared on reconnect. */}
      {(session.isConnected || latencyRows.length > 0) && <LatencyPanel rows={latencyRows} />}
    </article>
  );
}
