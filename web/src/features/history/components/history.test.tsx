import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { useUiStore } from '../../../store/ui-store';
import { conversation, conversationDetail } from '../../../testing/api-fixtures';
import { server } from '../../../testing/msw-server';
import { ConversationView } from './conversation-view';
import { HistoryPage } from './history-page';

describe('HistoryPage', () => {
  it('lists conversations newest first and pages with the cursor', async () => {
    const cursors: (string | null)[] = [];
    server.use(
      http.get('/api/conversations', ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        cursors.push(cursor);
        return cursor === null
          ? HttpResponse.json({ items: [conversation(3), conversation(2)], next_cursor: 'c2' })
          : HttpResponse.json({ items: [conversation(1, { metadata: {} })], next_cursor: null });
      }),
    );
    render(<HistoryPage />);
    const user = userEvent.setup();

    await waitFor(() => expect(screen.getAllByTestId('history-item')).toHaveLength(2));
    const first = within(screen.getAllByTestId('history-item')[0]!).getByRole('link');
    expect(first).toHaveAttribute('href', `#/history/${conversation(3).id}`);
    expect(first).toHaveTextContent('tutor · amy');

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('history-item')).toHaveLength(3));
    expect(screen.getAllByTestId('history-item')[2]).toHaveTextContent('default');
    expect(cursors).toEqual([null, 'c2']);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('shows an empty history and a failing one with a retry', async () => {
    let fail = true;
    server.use(
      http.get('/api/conversations', () =>
        fail
          ? HttpResponse.json({ detail: 'rate limit exceeded' }, { status: 429 })
          : HttpResponse.json({ items: [], next_cursor: null }),
      ),
    );
    render(<HistoryPage />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load your conversations: rate limit exceeded');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No conversations yet.')).toBeInTheDocument();
  });
});

describe('ConversationView', () => {
  const detail = conversationDetail(1);
  const id = detail.id;

  it('fetches the messages past the first page', async () => {
    const [first, second] = detail.messages;
    const cursors: Array<string | null> = [];
    server.use(
      http.get(`/api/conversations/${id}`, () =>
        HttpResponse.json({ ...detail, messages: [first], messages_next_cursor: '1-1' }),
      ),
      http.get(`/api/conversations/${id}/messages`, ({ request }) => {
        cursors.push(new URL(request.url).searchParams.get('cursor'));
        return HttpResponse.json({ items: [second], next_cursor: null });
      }),
    );
    render(<ConversationView id={id} />);

    const transcript = await screen.findByRole('list', { name: 'Saved transcript' });
    expect(within(transcript).getByTestId('saved-user')).toHaveTextContent('What is the capital of France?');
    expect(within(transcript).getByTestId('saved-agent')).toHaveTextContent('The capital of France is Paris.');
    expect(cursors).toEqual(['1-1']);
  });

  it('shows the transcript, per-turn figures and events', async () => {
    server.use(http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)));
    render(<ConversationView id={id} />);

    const transcript = await screen.findByRole('list', { name: 'Saved transcript' });
    expect(within(transcript).getByTestId('saved-user')).toHaveTextContent('What is the capital of France?');
    const reply = within(transcript).getByTestId('saved-agent');
    expect(reply).toHaveTextContent('The capital of France is Paris.');
    const figures = within(reply).getByTestId('turn-figures');
    const pairs = within(figures)
      .getAllByRole('term')
      .map((term) => `${term.textContent}=${term.nextElementSibling?.textContent}`);
    expect(pairs).toEqual(['STT=210', 'End of turn=90', 'LLM first token=350', 'TTS first byte=120', 'Agent e2e=812']);
    expect(screen.getByTestId('event')).toHaveTextContent('error (tts): voice model reloaded');
    expect(screen.getByText(/tutor · amy/)).toBeInTheDocument();
  });

  it('lists the files shared in the call with what the assistant read', async () => {
    const file = (name: string, kind: string, size: number, text: string, content_type: string | null = null) => ({
      id: `file_${name}`,
      name,
      kind,
      size,
      text,
      created_at: '2026-11-21T10:00:05Z',
      content_type,
    });
    server.use(
      http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)),
      http.get(`/api/conversations/${id}/files`, () =>
        HttpResponse.json([
          file('notes.txt', 'text', 40, 'The wifi is heron-42.'),
          file('cat.png', 'image', 2500, '', 'image/png'),
          file('old.png', 'image', 900, ''),
        ]),
      ),
    );
    render(<ConversationView id={id} />);

    const files = await screen.findAllByTestId('shared-file');
    expect(files.map((item) => item.textContent)).toEqual([
      'notes.txt text, 40 bytesWhat the assistant readThe wifi is heron-42.',
      'cat.png image, 2.5 KB (an image)',
      'old.png image, 900 bytes (an image: not kept)',
    ]);
    // the image kept is shown, from the owner-only address
    expect(screen.getByRole('img', { name: 'cat.png' })).toHaveAttribute(
      'src',
      `/api/conversations/${id}/files/file_cat.png/content`,
    );
    expect(screen.queryByRole('img', { name: 'old.png' })).not.toBeInTheDocument();
  });

  it('says so when the shared files cannot be loaded, and shows nothing when there are none', async () => {
    server.use(
      http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)),
      http.get(`/api/conversations/${id}/files`, () => HttpResponse.json({ detail: 'backend busy' }, { status: 503 })),
    );
    render(<ConversationView id={id} />);
    expect(await screen.findByText(/Could not load the shared files: backend busy/)).toBeInTheDocument();

    cleanup();
    server.use(http.get(`/api/conversations/${id}/files`, () => HttpResponse.json([])));
    render(<ConversationView id={id} />);
    await screen.findByRole('list', { name: 'Saved transcript' });
    expect(screen.queryByText('Shared files')).not.toBeInTheDocument();
  });

  it('plays a recording and highlights the line said at the playhead', async () => {
    const recording = { started_at: '2026-11-21T10:00:00Z', size: 4096 };
    server.use(http.get(`/api/conversations/${id}`, () => HttpResponse.json({ ...detail, recording })));
    render(<ConversationView id={id} />);

    const player = await screen.findByLabelText('Call recording');
    expect(player).toHaveAttribute('src', `/api/conversations/${id}/recording`);
    expect(screen.getByRole('link', { name: 'Download recording' })).toHaveAttribute(
      'href',
      `/api/conversations/${id}/recording?download=true`,
    );
    const question = screen.getByTestId('saved-user');
    const answer = screen.getByTestId('saved-agent');
    expect(question).not.toHaveAttribute('aria-current');

    Object.defineProperty(player, 'currentTime', { value: 5.5, configurable: true });
    fireEvent.timeUpdate(player);
    expect(question).toHaveAttribute('aria-current', 'true');
    expect(answer).not.toHaveAttribute('aria-current');

    Object.defineProperty(player, 'currentTime', { value: 6.2, configurable: true });
    fireEvent.seeked(player);
    expect(answer).toHaveAttribute('aria-current', 'true');
    expect(question).not.toHaveAttribute('aria-current');
  });

  it('has no player without a recording', async () => {
    server.use(http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)));
    render(<ConversationView id={id} />);
    await screen.findByRole('list', { name: 'Saved transcript' });
    expect(screen.queryByLabelText('Call recording')).not.toBeInTheDocument();
  });

  it('says so when the conversation does not exist', async () => {
    server.use(http.get(`/api/conversations/${id}`, () => HttpResponse.json({ detail: 'conversation not found' }, { status: 404 })));
    render(<ConversationView id={id} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('does not exist');
  });

  it('downloads the export under the name the backend gives', async () => {
    server.use(
      http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)),
      http.get(`/api/conversations/${id}/export`, () =>
        HttpResponse.json(
          { format: 'voice-assistant.conversation.v1', conversation: detail },
          { headers: { 'Content-Disposition': `attachment; filename="conversation-${id}.json"` } },
        ),
      ),
    );
    // jsdom has no object URLs: stand in for them on a subclass, leaving the real URL alone.
    const createObjectURL = vi.fn((_blob: Blob) => 'blob:export');
    class TestURL extends URL {
      static override createObjectURL = createObjectURL;
      static override revokeObjectURL = vi.fn();
    }
    vi.stubGlobal('URL', TestURL);
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    render(<ConversationView id={id} />);

    await userEvent.click(await screen.findByRole('button', { name: 'Export JSON' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]?.download).toBe(`conversation-${id}.json`);
    const blob = createObjectURL.mock.calls[0]?.[0];
    expect(JSON.parse(await blob!.text())).toMatchObject({ format: 'voice-assistant.conversation.v1' });
  });

  it('deletes only after confirmation, then returns to the history', async () => {
    let deleted = 0;
    server.use(
      http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)),
      http.delete(`/api/conversations/${id}`, () => {
        deleted += 1;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    window.location.hash = `#/history/${id}`;
    render(<ConversationView id={id} />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(deleted).toBe(0);

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete for good' }));
    await waitFor(() => expect(window.location.hash).toBe('#/history'));
    expect(deleted).toBe(1);
    expect(useUiStore.getState().toasts.map((toast) => toast.message)).toEqual(['Conversation deleted.']);
  });

  it('keeps the conversation and says why when the delete fails', async () => {
    server.use(
      http.get(`/api/conversations/${id}`, () => HttpResponse.json(detail)),
      http.delete(`/api/conversations/${id}`, () => HttpResponse.json({ detail: 'rate limit exceeded' }, { status: 429 })),
    );
    render(<ConversationView id={id} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete for good' }));
    await waitFor(() =>
      expect(useUiStore.getState().toasts.map((toast) => toast.message)).toEqual(['Delete failed: rate limit exceeded']),
    );
    expect(screen.getByTestId('saved-agent')).toBeInTheDocument();
  });
});
