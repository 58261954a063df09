import {
  RoomAudioRenderer,
  SessionProvider,
  StartAudio,
  useAgent,
  useSession,
  useSessionContext,
  useSessionMessages,
} from '@livekit/components-react';
import { ConnectionState, TokenSource, Track, type TokenSourceConfigurable } from 'livekit-client';
import { env, type Env } from '../config/env';
import { ChatForm } from '../features/chat/components/chat-form';
import { LatencyPanel } from '../features/metrics/components/latency-panel';
import { useLatencyRows } from '../features/metrics/hooks/use-latency-rows';
import { toAgentStateLabel } from '../features/session/agent-state';
import { AgentStatus } from '../features/session/components/agent-status';
import { SessionControls } from '../features/session/components/session-controls';
import {
  canCaptureAudio,
  useSessionConnection,
} from '../features/session/hooks/use-session-connection';
import { TranscriptList } from '../features/transcript/components/transcript-list';
import { useTranscript } from '../features/transcript/hooks/use-transcript';

const defaultTokenSource = TokenSource.endpoint(env.tokenEndpoint);

type AppProps = {
  /** Injected by tests; the app uses the backend's token endpoint. */
  tokenSource?: TokenSourceConfigurable;
  config?: Pick<Env, 'agentName' | 'agentConnectTimeoutMs'>;
};

export function App({ tokenSource = defaultTokenSource, config = env }: AppProps) {
  const session = useSession(tokenSource, {
    agentName: config.agentName,
    agentConnectTimeoutMilliseconds: config.agentConnectTimeoutMs,
  });

  return (
    <SessionProvider session={session}>
      <AssistantScreen />
      <RoomAudioRenderer />
    </SessionProvider>
  );
}

function AssistantScreen() {
  const session = useSessionContext();
  const agent = useAgent();
  const { messages, send } = useSessionMessages();
  const transcript = useTranscript(messages);
  const failure = agent.failureReasons?.join(' ') || null;
  const connection = useSessionConnection(session, failure);
  const micTrack =
    session.local.microphoneTrack?.publication.track?.mediaStreamTrack ??
    session.room.localParticipant.getTrackPublication(Track.Source.Microphone)?.track?.mediaStreamTrack;
  const latencyRows = useLatencyRows(
    session.room,
    micTrack,
    agent.microphoneTrack?.publication.track?.mediaStreamTrack,
  );

  const isConnecting =
    connection.isStarting || session.connectionState === ConnectionState.Connecting;
  const stateLabel = toAgentStateLabel(agent.state, { isStarting: isConnecting });

  return (
    <main className="app-shell">
      <article className="card" aria-labelledby="app-title">
        <header className="card-header">
          <h1 id="app-title">Voice Assistant</h1>
          <AgentStatus label={stateLabel} agentState={agent.state} audioTrack={agent.microphoneTrack} />
        </header>

        {connection.error && (
          <div className="alert">
            <p className="alert-text" role="alert">
              {connection.error}
            </p>
            <button
              type="button"
              className="alert-dismiss"
              aria-label="Dismiss error"
              onClick={connection.dismissError}
            >
              ×
            </button>
          </div>
        )}

        {connection.notice && (
          <p className="notice" role="status">
            {connection.notice}
          </p>
        )}

        <SessionControls
          isConnected={session.isConnected}
          isBusy={isConnecting}
          showMicToggle={canCaptureAudio()}
          onConnect={connection.connect}
          onDisconnect={connection.disconnect}
        />
        <StartAudio label="Enable audio" className="button button-secondary start-audio" />

        <TranscriptList entries={transcript} isConnected={session.isConnected} />
        <ChatForm disabled={!session.isConnected} onSend={send} />
        {/* Kept after hang-up so the last call's figures stay readable; cleared on reconnect. */}
        {(session.isConnected || latencyRows.length > 0) && <LatencyPanel rows={latencyRows} />}
      </article>
    </main>
  );
}
