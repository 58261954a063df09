import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callOptions } from '../testing/api-fixtures';
import { server } from '../testing/msw-server';
import { App } from './app';
import { en } from '../i18n/en';

const config = { agentConnectTimeoutMs: 20_000 };

describe('App: before a call', () => {
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  it('offers Connect with the persona and voice pickers from /api/options', async () => {
    render(<App config={config} />);

    const persona = await screen.findByRole('combobox', { name: 'Persona' });
    expect(persona).toHaveValue('assistant');
    expect(within(persona).getAllByRole('option').map((o) => o.textContent)).toEqual(['Assistant', 'Tutor']);
    expect(screen.getByRole('combobox', { name: 'Voice' })).toHaveValue('default');
    expect(screen.getByText('Helpful and brief')).toBeInTheDocument();

    expect(screen.getByRole('button', { name: 'Connect' })).toBeEnabled();
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^disconnected$/);
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    expect(screen.getByRole('list', { name: 'Transcript' })).toBeEmptyDOMElement();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Latency' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Call' })).toHaveAttribute('aria-current', 'page');
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
  });

  it('creates the conversation with the chosen persona and voice when Connect is clicked', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/conversations', async ({ request }) => {
        bodies.push(await request.json());
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    render(<App config={config} />);
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByRole('combobox', { name: 'Persona' }), 'tutor');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Voice' }), 'amy');
    expect(screen.getByText('Explains step by step')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect' }));

    await waitFor(() => expect(bodies).toEqual([{ persona: 'tutor', voice: 'amy', language: 'en' }]));
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^connecting$/);
    expect(screen.getByRole('button', { name: 'Connect' })).toBeDisabled();
    // jsdom has no navigator.mediaDevices, like an insecure origin: text-only, with a notice.
    expect(screen.getByText(en['session.micUnavailable'])).toBeInTheDocument();
  });

  it('records the call only when the user ticks the box, where the backend allows it', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/conversations', async ({ request }) => {
        bodies.push(await request.json());
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    render(<App config={config} />);
    const user = userEvent.setup();
    const record = await screen.findByRole('checkbox', { name: 'Record this call' });
    expect(record).not.toBeChecked();
    await user.click(record);
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() =>
      expect(bodies).toEqual([{ persona: 'assistant', voice: 'default', record: true, language: 'en' }]),
    );
  });

  it('offers no recording where the backend does not allow it', async () => {
    server.use(http.get('/api/options', () => HttpResponse.json({ ...callOptions, recording_allowed: false })));
    render(<App config={config} />);
    await screen.findByRole('combobox', { name: 'Persona' });
    expect(screen.queryByRole('checkbox', { name: 'Record this call' })).not.toBeInTheDocument();
  });

  it('shows why the call could not start and retries on request', async () => {
    let calls = 0;
    server.use(
      http.post('/api/conversations', () => {
        calls += 1;
        return HttpResponse.json({ detail: 'conversation limit reached' }, { status: 409 });
      }),
    );
    render(<App config={config} />);
    const user = userEvent.setup();
    await screen.findByRole('combobox', { name: 'Persona' });

    await user.click(screen.getByRole('button', { name: 'Connect' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not start a conversation (HTTP 409): conversation limit reached.');
    expect(screen.getByTestId('agent-state')).toHaveTextContent(/^disconnected$/);

    await waitFor(() => expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(calls).toBe(2));

    await user.click(await screen.findByRole('button', { name: 'Dismiss error' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('works with a backend that offers no choices and no sign-in', async () => {
    server.use(
      http.get('/api/auth/session', () => HttpResponse.json({ detail: 'Not Found' }, { status: 404 })),
      http.get('/api/options', () => HttpResponse.json({ detail: 'Not Found' }, { status: 404 })),
    );
    render(<App config={config} />);
    expect(await screen.findByRole('button', { name: 'Connect' })).toBeEnabled();
    await waitFor(() => expect(screen.queryByRole('group', { name: 'Before you call' })).not.toBeInTheDocument());
    expect(screen.queryByRole('combobox', { name: 'Persona' })).not.toBeInTheDocument();
  });
});

describe('App: sign-in', () => {
  it('asks for sign-in when the backend requires it, then signs in and out', async () => {
    let signedIn = false;
    server.use(
      http.get('/api/auth/session', () =>
        HttpResponse.json({ auth_required: true, user: signedIn ? { id: 'u1', name: 'Ada' } : null }),
      ),
      http.post('/api/auth/login', async ({ request }) => {
        const body = (await request.json()) as { username: string; password: string };
        if (body.password !== 'right') {
          return HttpResponse.json({ detail: 'invalid username or password' }, { status: 401 });
        }
        signedIn = true;
        return HttpResponse.json({ user: { id: 'u1', name: 'Ada' } });
      }),
      http.post('/api/auth/logout', () => {
        signedIn = false;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    render(<App config={config} />);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Connect' })).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(screen.getByLabelText('Password')).toHaveValue('');

    await user.type(screen.getByLabelText('Password'), 'right');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('button', { name: 'Connect' })).toBeInTheDocument();
    expect(screen.getByText('Ada')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('offers a retry when the server cannot be reached', async () => {
    let fail = true;
    server.use(
      http.get('/api/auth/session', () =>
        fail ? HttpResponse.error() : HttpResponse.json({ auth_required: false, user: null }),
      ),
    );
    render(<App config={config} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('button', { name: 'Connect' })).toBeInTheDocument();
  });
});

describe('App: routes', () => {
  it('switches to the history page and back, keeping the call page mounted', async () => {
    render(<App config={config} />);
    const user = userEvent.setup();
    await screen.findByRole('combobox', { name: 'Persona' });

    await user.click(screen.getByRole('link', { name: 'History' }));
    expect(await screen.findByRole('heading', { name: 'History' })).toBeInTheDocument();
    expect(await screen.findByText('No conversations yet.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Connect' })).not.toBeInTheDocument(); // hidden
    expect(screen.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');

    await user.click(screen.getByRole('link', { name: 'Call' }));
    expect(await screen.findByRole('button', { name: 'Connect' })).toBeVisible();
  });

  it('links the Experiments page for an operator only', async () => {
    const operator = { id: 'local', name: 'local', operator: true };
    server.use(
      http.get('/api/auth/session', () => HttpResponse.json({ auth_required: false, user: operator })),
      http.get('/api/experiments', () => HttpResponse.json([])),
    );
    const { unmount } = render(<App config={config} />);
    await userEvent.click(await screen.findByRole('link', { name: 'Experiments' }));
    expect(await screen.findByRole('heading', { name: 'Experiments' })).toBeInTheDocument();
    expect(await screen.findByText('No experiments yet.')).toBeInTheDocument();
    unmount();

    server.use(
      http.get('/api/auth/session', () =>
        HttpResponse.json({ auth_required: false, user: { ...operator, operator: false } }),
      ),
    );
    render(<App config={config} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Only an operator may see experiments.');
    expect(screen.queryByRole('link', { name: 'Experiments' })).not.toBeInTheDocument();
    window.location.hash = '';
  });

  it('links the analytics page for an operator only', async () => {
    server.use(
      http.get('/api/auth/session', () =>
        HttpResponse.json({ auth_required: false, user: { id: 'local', name: 'local', operator: true } }),
      ),
      http.get('/api/analytics', () => HttpResponse.json({ detail: 'later' }, { status: 503 })),
    );
    render(<App config={config} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('link', { name: 'Analytics' }));
    expect(await screen.findByRole('heading', { name: 'Analytics' })).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the analytics: later');
    cleanup();

    server.use(
      http.get('/api/auth/session', () =>
        HttpResponse.json({ auth_required: true, user: { id: 'u1', name: 'ursula', operator: false } }),
      ),
    );
    render(<App config={config} />);
    expect(await screen.findByRole('link', { name: 'History' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Analytics' })).not.toBeInTheDocument();
  });

  it('says so for an unknown route', async () => {
    window.location.hash = '#/nowhere';
    render(<App config={config} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Nothing at /nowhere.');
  });
});
