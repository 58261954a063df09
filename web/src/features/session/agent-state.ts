import type { AgentState } from '@livekit/components-react';

/** The agent states this UI shows; the text is part of the page's test contract. */
export const AGENT_STATE_LABELS = [
  'disconnected',
  'connecting',
  'initializing',
  'listening',
  'thinking',
  'speaking',
  'failed',
] as const;

export type AgentStateLabel = (typeof AGENT_STATE_LABELS)[number];

export type AgentStateContext = {
  /** The user clicked Connect and `session.start()` has not settled yet. */
  isStarting?: boolean;
};

/**
 * Map `useAgent().state` (components-react 2.9.24) onto the labels the page shows.
 *
 * - `pre-connect-buffering` is the mic buffering before the agent joins: shown as `connecting`.
 * - `idle` is not emitted by the agents voice pipeline, but an idle agent is waiting for
 *   input, so it reads as `listening`.
 * - While a start is in flight the room is still `disconnected` (the token is being fetched),
 *   so that reads as `connecting` too.
 */
export function toAgentStateLabel(
  state: AgentState,
  { isStarting = false }: AgentStateContext = {},
): AgentStateLabel {
  switch (state) {
    case 'disconnected':
      return isStarting ? 'connecting' : 'disconnected';
    case 'connecting':
    case 'pre-connect-buffering':
      return 'connecting';
    case 'initializing':
      return 'initializing';
    case 'idle':
    case 'listening':
      return 'listening';
    case 'thinking':
      return 'thinking';
    case 'speaking':
      return 'speaking';
    case 'failed':
      return 'failed';
    default: {
      const unknownState: never = state;
      // A newer SDK may add states; never crash the page over a label.
      console.warn('Unknown agent state', unknownState);
      return 'connecting';
    }
  }
}

/** What the page needs of `useAgent()`. */
export type AgentView = {
  state: AgentState;
  failureReasons: string[] | null;
  attributes: Record<string, string>;
  internal: { agentParticipant: unknown };
};

const REPORTED_STATES: readonly string[] = ['listening', 'thinking', 'speaking'];
const AGENT_LEFT = 'Agent left the room unexpectedly.';

/**
 * `useAgent()`'s state and failure, minus a failure that no longer holds.
 *
 * components-react 2.9.24 keeps "Agent left the room unexpectedly." (state `failed`) once the
 * agent it followed has left, even after another agent took the call over: a crashed job's
 * replacement, or the fresh agent after a livekit-server restart. It clears that only when
 * the room disconnects, and after such a replacement a hang-up could still end in it. An
 * agent in the room that reports a live state is what counts; once the page has left the
 * room (`disconnected`), no agent can have left it unexpectedly.
 */
export function currentAgent(
  agent: AgentView,
  { disconnected = false }: { disconnected?: boolean } = {},
): Pick<AgentView, 'state' | 'failureReasons'> {
  const reported = agent.attributes['lk.agent.state'] ?? '';
  if (agent.state !== 'failed') return { state: agent.state, failureReasons: agent.failureReasons };
  if (agent.internal.agentParticipant && REPORTED_STATES.includes(reported)) {
    return { state: reported as AgentState, failureReasons: null };
  }
  const reasons = (agent.failureReasons ?? []).filter((reason) => !(disconnected && reason === AGENT_LEFT));
  return reasons.length > 0 ? { state: 'failed', failureReasons: reasons } : { state: 'disconnected', failureReasons: null };
}
