import type { AgentState } from '@livekit/components-react';
import { describe, expect, it } from 'vitest';
import { AGENT_STATE_LABELS, toAgentStateLabel } from './agent-state';

describe('toAgentStateLabel', () => {
  it.each<[AgentState, string]>([
    ['disconnected', 'disconnected'],
    ['connecting', 'connecting'],
    ['pre-connect-buffering', 'connecting'],
    ['initializing', 'initializing'],
    ['idle', 'listening'],
    ['listening', 'listening'],
    ['thinking', 'thinking'],
    ['speaking', 'speaking'],
    ['failed', 'failed'],
  ])('maps %s to %s', (state, label) => {
    expect(toAgentStateLabel(state)).toBe(label);
  });

  it('shows connecting while a start is in flight and the room is still disconnected', () => {
    expect(toAgentStateLabel('disconnected', { isStarting: true })).toBe('connecting');
  });

  it('does not let an in-flight start hide real agent states', () => {
    expect(toAgentStateLabel('listening', { isStarting: true })).toBe('listening');
    expect(toAgentStateLabel('failed', { isStarting: true })).toBe('failed');
  });

  it('only ever returns a documented label', () => {
    const states: AgentState[] = [
      'disconnected',
      'connecting',
      'pre-connect-buffering',
      'failed',
      'initializing',
      'idle',
      'listening',
      'thinking',
      'speaking',
    ];
    for (const state of states) {
      expect(AGENT_STATE_LABELS).toContain(toAgentStateLabel(state));
    }
  });
});
