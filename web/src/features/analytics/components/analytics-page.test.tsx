import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { AnalyticsReport } from '../../../api/types';
import { server } from '../../../testing/msw-server';
import { AnalyticsPage } from './analytics-page';

const row = (key: string | null, conversations: number) => ({
  key,
  conversations,
  avg_turns: 2.5,
  avg_duration_s: 90,
  interruptions: 1,
  errors: 1,
  fallbacks: 0,
  replies: 5,
  p50_ms: 300,
  p95_ms: 560,
  up: 2,
  down: 0,
});

function report(query: URLSearchParams): AnalyticsReport {
  return {
    scope: (query.get('scope') ?? 'mine') as 'mine' | 'all',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
    by: (query.get('by') ?? 'persona') as 'persona',
    totals: row(null, 3),
    days: [
      { day: '2026-01-01', conversations: 2, turns: 3, avg_turns: 1.5, avg_duration_s: 90, interruptions: 1, errors: 2, fallbacks: 1 },
    ],
    latency: [
      { day: '2026-01-01', replies: 3, p50_ms: 300, p95_ms: 480 },
      { day: '2026-01-03', replies: 3, p50_ms: 400, p95_ms: 580 },
    ],
    errors: [{ source: 'llm', errors: 1, fallbacks: 1 }],
    breakdown: [row('guide', 2), row(null, 1)],
    ratings: { up: 2, down: 1, up_share: 0.6667 },
    comments: [{ conversation_id: '00000000-0000-4000-8000-000000000002', score: 'down', comment: 'slow', rated_at: '2026-01-01T12:00:00Z' }],
  };
}

describe('AnalyticsPage', () => {
  it("shows an operator everyone's figures as charts, a table and CSV links, and follows the filters", async () => {
    const asked: URLSearchParams[] = [];
    server.use(
      http.get('/api/analytics', ({ request }) => {
        const query = new URL(request.url).searchParams;
        asked.push(query);
        return HttpResponse.json(report(query));
      }),
    );
    render(<AnalyticsPage operator today={new Date('2026-01-03T08:00:00Z')} />);

    const table = await screen.findByTestId('breakdown-table');
    expect(asked[0]?.toString()).toBe('from=2025-12-05&to=2026-01-03&scope=all&by=persona');
    expect(within(table).getAllByRole('row').map((r) => r.firstElementChild?.textContent)).toEqual(['persona', 'guide', 'unknown']);
    expect(screen.getByTestId('bar-chart')).toHaveAccessibleName(/^Conversations per day: 2 conversations over 30 days/);
    expect(screen.getByTestId('latency-line-chart').querySelectorAll('polyline, circle')).toHaveLength(4); // 2 days apart
    expect(screen.getByTestId('ratings-chart')).toHaveTextContent('2 up');
    expect(screen.getByTestId('errors-chart')).toHaveTextContent('1 errors, 1 fallbacks');
    expect(screen.getByText('67% of 3')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Per day' })).toHaveAttribute(
      'href',
      '/api/analytics/days.csv?from=2025-12-05&to=2026-01-03&scope=all&by=persona',
    );

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Breakdown by'), 'provider');
    await user.selectOptions(screen.getByLabelText('Whose'), 'mine');
    await waitFor(() => expect(asked.at(-1)?.toString()).toBe('from=2025-12-05&to=2026-01-03&scope=mine&by=provider'));
  });

  it('asks only for their own figures for someone who is not an operator, and shows a refusal', async () => {
    server.use(
      http.get('/api/analytics', () =>
        HttpResponse.json({ detail: "'from' is after 'to'" }, { status: 422 }),
      ),
    );
    render(<AnalyticsPage operator={false} today={new Date('2026-01-03T08:00:00Z')} />);
    expect(await screen.findByRole('alert')).toHaveTextContent("Could not load the analytics: 'from' is after 'to'");
    expect(screen.queryByLabelText('Whose')).not.toBeInTheDocument();
  });
});
