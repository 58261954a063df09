import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TokenSource } from 'livekit-client';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MIC_UNAVAILABLE_NOTICE } from '../features/session/hooks/use-session-connection';
import { App } from './app';

const config = { agentName: 'voice-assistant', agentConnectTimeoutMs: 20_000 };

describe('App (disconnected)', () => {
  beforeEach(() => {
    // useSession prefetches a token on mount; keep that quiet and off the network.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  it('offers Connect, shows the disconnected state, and disables chat', () => {
    const tokenSource = TokenSource.custom(() => new Promise(() => undefined));
    render(<App tokenSource={tokenSource} config={config} />);

    expect(screen.getByRole('button', { name: 'Connect' })).toBeEnabled();
    expect(screen.queryByRole('button', { name: 'Disconnect' })).not.toBeInTheDocument();
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^disconnected$/);
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    expect(screen.getByRole('list', { name: 'Transcript' })).toBeEmptyDOMElement();
    expect(screen.queryByTestId('msg-user')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    // No call yet: no latency panel.
    expect(screen.queryByRole('region', { name: 'Latency' })).not.toBeInTheDocument();
  });

  it('asks the token source for the configured agent when Connect is clicked', async () => {
    const fetchToken = vi.fn(() => new Promise<never>(() => undefined));
    render(<App tokenSource={TokenSource.custom(fetchToken)} config={{ ...config, agentName: 'helper' }} />);

    await userEvent.click(screen.getByRole('button', { name: 'Connect' }));

    await waitFor(() =>
      expect(fetchToken).toHaveBeenCalledWith(expect.objectContaining({ agentName: 'helper' })),
    );
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^connecting$/);
    expect(screen.getByRole('button', { name: 'Connect' })).toBeDisabled();
    // jsdom has no navigator.mediaDevices, like an insecure origin: text-only, with a notice.
    expect(screen.getByText(MIC_UNAVAILABLE_NOTICE)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows an alert and lets the user retry when the token endpoint is down', async () => {
    const fetchMock = vi.fn(async () => new Response('upstream down', { status: 503 }));
    vi.stubGlobal('fetch', fetchMock);
    const tokenSource = TokenSource.endpoint('/api/token');
    render(<App tokenSource={tokenSource} config={config} />);

    await userEvent.click(screen.getByRole('button', { name: 'Connect' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/^Could not get a session token from \/api\/token \(HTTP 503\)\.$/);
    expect(fetchMock).toHaveBeenCalledWith('/api/token', expect.objectContaining({ method: 'POST' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Connect' })).toBeEnabled());
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^disconnected$/);
    expect(screen.queryByText(MIC_UNAVAILABLE_NOTICE)).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Dismiss error' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
