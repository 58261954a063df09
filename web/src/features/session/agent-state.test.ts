import type { AgentState } from '@livekit/components-react';
import { describe, expect, it } from 'vitest';
import { AGENT_STATE_LABELS, currentAgent, toAgentStateLabel } from './agent-state';

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

describe('currentAgent', () => {
  const participant = { identity: 'agent-AJ_new' };
  const left = ['Agent left the room unexpectedly.'];

  it('drops a failure once another agent serves the call', () => {
    const agent = { state: 'failed' as const, failureReasons: left, attributes: { 'lk.agent.state': 'listening' }, internal: { agentParticipant: participant } };
    expect(currentAgent(agent)).toEqual({ state: 'listening', failureReasons: null });
  });

  it('keeps the failure while no agent is in the room', () => {
    const agent = { state: 'failed' as const, failureReasons: left, attributes: {}, internal: { agentParticipant: null } };
    expect(currentAgent(agent)).toEqual({ state: 'failed', failureReasons: left });
  });

  it('keeps the failure of an agent that never reported its state', () => {
    const stuck = ['Agent joined the room but did not complete initializing.'];
    const agent = { state: 'failed' as const, failureReasons: stuck, attributes: { 'lk.agent.state': 'initializing' }, internal: { agentParticipant: participant } };
    expect(currentAgent(agent)).toEqual({ state: 'failed', failureReasons: stuck });
  });

  it('does not call a hang-up after a replacement a failure', () => {
    const agent = { state: 'failed' as const, failureReasons: left, attributes: {}, internal: { agentParticipant: null } };
    expect(currentAgent(agent, { disconnected: true })).toEqual({ state: 'disconnected', failureReasons: null });
    const never = ['Agent did not join the room.', ...left];
    expect(currentAgent({ ...agent, failureReasons: never }, { disconnected: true })).toEqual({
      state: 'failed',
      failureReasons: ['Agent did not join the room.'],
    });
  });

  it('passes every other state through', () => {
    const agent = { state: 'speaking' as const, failureReasons: null, attributes: { 'lk.agent.state': 'speaking' }, internal: { agentParticipant: participant } };
    expect(currentAgent(agent)).toEqual({ state: 'speaking', failureReasons: null });
  });
});
