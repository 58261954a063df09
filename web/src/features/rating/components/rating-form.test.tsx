import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../../../testing/msw-server';
import { RatingForm } from './rating-form';

const ID = '00000000-0000-4000-8000-000000000001';

describe('RatingForm', () => {
  it('saves a thumb and a trimmed comment with PUT, then shows it saved', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.put(`/api/conversations/${ID}/rating`, async ({ request }) => {
        const body = (await request.json()) as { score: string; comment: string };
        bodies.push(body);
        return HttpResponse.json({ ...body, rated_at: '2026-11-30T10:00:00Z' });
      }),
    );
    render(<RatingForm conversationId={ID} />);
    const user = userEvent.setup();
    const save = screen.getByRole('button', { name: 'Save rating' });
    expect(save).toBeDisabled(); // nothing chosen yet

    await user.click(screen.getByRole('button', { name: 'Thumbs down' }));
    expect(screen.getByRole('button', { name: 'Thumbs down' })).toHaveAttribute('aria-pressed', 'true');
    await user.type(screen.getByLabelText('Comment (optional)'), '  Too slow.  ');
    await user.click(save);

    expect(await screen.findByRole('status')).toHaveTextContent('Saved: thumbs down');
    expect(bodies).toEqual([{ score: 'down', comment: 'Too slow.' }]);
    expect(screen.getByRole('button', { name: 'Update rating' })).toBeDisabled();
  });

  it('edits a stored rating and reports a failure', async () => {
    server.use(
      http.put(`/api/conversations/${ID}/rating`, () =>
        HttpResponse.json({ detail: 'conversation not found' }, { status: 404 }),
      ),
    );
    render(
      <RatingForm conversationId={ID} initial={{ score: 'up', comment: 'Nice', rated_at: '2026-11-30T10:00:00Z' }} />,
    );
    const user = userEvent.setup();
    expect(screen.getByRole('button', { name: 'Thumbs up' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByLabelText('Comment (optional)')).toHaveValue('Nice');
    await user.click(screen.getByRole('button', { name: 'Thumbs down' }));
    await user.click(screen.getByRole('button', { name: 'Update rating' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not save the rating: conversation not found');
  });
});
