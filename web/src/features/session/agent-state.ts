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
