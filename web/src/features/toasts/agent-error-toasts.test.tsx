import { act, render, renderHook, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Room, RoomEvent, type RemoteParticipant } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { useUiStore } from '../../store/ui-store';
import { parseAgentError } from './agent-error';
import { Toaster } from './components/toaster';
import { useAgentErrorToasts } from './hooks/use-agent-error-toasts';

const agent = { isAgent: true, identity: 'agent-1' } as unknown as RemoteParticipant;
const human = { isAgent: false, identity: 'bob' } as unknown as RemoteParticipant;
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseAgentError', () => {
  it('reads the agent_error shape and rejects the rest', () => {
    expect(parseAgentError(bytes({ type: 'agent_error', source: 'llm', message: 'timed out' }))).toEqual({
      source: 'llm',
      message: 'timed out',
    });
    expect(parseAgentError(bytes({ type: 'agent_error', message: 'x' }))).toEqual({ source: 'agent', message: 'x' });
    expect(parseAgentError(bytes({ type: 'agent_error', source: 'tts', message: '' }))).toBeNull();
    expect(parseAgentError(bytes({ type: 'turn_metrics', turn: 1 }))).toBeNull();
    expect(parseAgentError(bytes('{oops'))).toBeNull();
  });
});

describe('agent error toasts', () => {
  it('turns agent_error packets from the agent into dismissable toasts', async () => {
    const room = new Room();
    renderHook(() => useAgentErrorToasts(room));
    render(<Toaster />);

    act(() => {
      room.emit(RoomEvent.DataReceived, bytes({ type: 'agent_error', source: 'llm', message: 'model timed out' }), agent, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes({ type: 'agent_error', source: 'x', message: 'spoof' }), human, undefined, 'va.metrics');
      room.emit(RoomEvent.DataReceived, bytes({ type: 'agent_error', source: 'x', message: 'other topic' }), agent, undefined, 'chat');
      room.emit(RoomEvent.DataReceived, bytes({ type: 'turn_metrics', turn: 1, figures: {} }), agent, undefined, 'va.metrics');
      // sent by the server (the worker, when it gave up restarting a crashed agent)
      room.emit(RoomEvent.DataReceived, bytes({ type: 'agent_error', source: 'agent', message: 'gone' }), undefined, undefined, 'va.metrics');
    });

    const toasts = screen.getAllByTestId('toast');
    expect(toasts.map((toast) => toast.textContent)).toEqual([
      'Assistant error (llm): model timed out×',
      'Assistant error (agent): gone×',
    ]);
    expect(toasts[0]).toHaveAttribute('data-tone', 'error');
    for (const button of screen.getAllByRole('button', { name: 'Dismiss notification' })) {
      await userEvent.click(button);
    }
    expect(screen.queryByTestId('toast')).not.toBeInTheDocument();
    expect(useUiStore.getState().toasts).toEqual([]);
  });
});
