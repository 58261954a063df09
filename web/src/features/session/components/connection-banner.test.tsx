import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ConnectionState, DisconnectReason } from 'livekit-client';
import { describe, expect, it, vi } from 'vitest';
import { describeCallDrop } from '../call-drop';
import { ConnectionBanner } from './connection-banner';
import { translate } from '../../../i18n';

const t = translate('en');

const base = { error: null, dropped: null, isBusy: false, onRetry: () => undefined, onDismiss: () => undefined };

describe('ConnectionBanner', () => {
  it('says it is reconnecting while the room reconnects', () => {
    render(<ConnectionBanner {...base} connectionState={ConnectionState.Reconnecting} dropped="lost" />);
    expect(screen.getByRole('status')).toHaveTextContent('Connection lost. Reconnecting…');
    expect(screen.queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();
  });

  it('explains a dropped call and retries on request', async () => {
    const onRetry = vi.fn();
    render(
      <ConnectionBanner
        {...base}
        connectionState={ConnectionState.Disconnected}
        dropped={t(describeCallDrop(DisconnectReason.SIGNAL_CLOSE) ?? 'drop.disconnected')}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('The connection to the media server was lost.');
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it('shows nothing while connected without an error, or after a hang-up', () => {
    const { container, rerender } = render(<ConnectionBanner {...base} connectionState={ConnectionState.Connected} />);
    expect(container).toBeEmptyDOMElement();
    rerender(
      <ConnectionBanner
        {...base}
        connectionState={ConnectionState.Disconnected}
        dropped={null}
      />,
    );
    expect(container).toBeEmptyDOMElement();
  });

  it('shows a start failure even before the room settles', () => {
    render(<ConnectionBanner {...base} connectionState={ConnectionState.Connecting} error="Agent did not join." isBusy />);
    expect(screen.getByRole('alert')).toHaveTextContent('Agent did not join.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled();
  });
});

describe('describeCallDrop', () => {
  it('is silent for a hang-up and explains the rest', () => {
    expect(describeCallDrop(DisconnectReason.CLIENT_INITIATED)).toBeNull();
    expect(describeCallDrop(DisconnectReason.ROOM_DELETED)).toBe('drop.endedByServer');
    expect(t(describeCallDrop(DisconnectReason.AGENT_ERROR) ?? 'drop.disconnected')).toMatch(/assistant stopped/);
    expect(describeCallDrop(undefined)).toBe('drop.disconnected');
  });
});
