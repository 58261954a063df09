import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Experiment, ExperimentResults, ResultMetric } from '../../../api/types';
import { useUiStore } from '../../../store/ui-store';
import { server } from '../../../testing/msw-server';
import { ExperimentsPage } from './experiments-page';

const ID = '00000000-0000-4000-8000-000000000017';

const experiment = (status: Experiment['status']): Experiment => ({
  id: ID,
  name: 'Tutor greeting',
  status,
  variants: [
    { key: 'control', split: 50, overrides: {} },
    { key: 'tutor', split: 50, overrides: { persona: 'tutor', greeting: 'Hello from B' } },
  ],
  created_at: '2026-11-30T10:00:00Z',
  started_at: status === 'draft' ? null : '2026-11-30T10:05:00Z',
  stopped_at: null,
});

const metric = (value: number, low: number, high: number, p: number | null): ResultMetric => ({
  n: 40,
  value,
  low,
  high,
  p_value: p,
  significant: p !== null && p < 0.05,
});

const results: ExperimentResults = {
  experiment_id: ID,
  control: 'control',
  alpha: 0.05,
  method: 'Wilson and Welch.',
  variants: [
    {
      key: 'control',
      split: 50,
      conversations: 40,
      rating_up: metric(0.5, 0.35, 0.65, null),
      error_rate: metric(0.1, 0.04, 0.23, null),
      v2v_ms: metric(1040, 1000, 1080, null),
      turns: metric(2, 1.7, 2.3, null),
      interruptions: metric(0.5, 0.3, 0.7, null),
    },
    {
      key: 'tutor',
      split: 50,
      conversations: 40,
      rating_up: metric(0.9, 0.77, 0.96, 0.0002),
      error_rate: metric(0.1, 0.04, 0.23, 1),
      v2v_ms: metric(1030, 990, 1070, 0.41),
      turns: metric(2, 1.7, 2.3, 1),
      interruptions: metric(0.5, 0.3, 0.7, 1),
    },
  ],
};

describe('ExperimentsPage', () => {
  it('starts a draft and shows its results with verdicts against the control', async () => {
    let status: Experiment['status'] = 'draft';
    server.use(
      http.get('/api/experiments', () => HttpResponse.json([experiment(status)])),
      http.post(`/api/experiments/${ID}/start`, () => {
        status = 'running';
        return HttpResponse.json(experiment(status));
      }),
      http.get(`/api/experiments/${ID}/results`, () => HttpResponse.json(results)),
    );
    render(<ExperimentsPage />);
    const user = userEvent.setup();

    const item = await screen.findByTestId('experiment');
    expect(item).toHaveTextContent('draft');
    expect(item).toHaveTextContent('persona tutor, greeting “Hello from B”');
    await user.click(within(item).getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(screen.getByTestId('experiment')).toHaveTextContent('running'));

    const ratings = await screen.findByRole('table', { name: 'Thumbs up' });
    const tutor = within(ratings).getByTestId('result-tutor');
    expect(tutor).toHaveTextContent('90.0 %');
    expect(tutor).toHaveTextContent('significant (p < 0.001)');
    expect(within(ratings).getByTestId('result-control')).toHaveTextContent('control');
    expect(within(tutor).getByRole('img')).toHaveAccessibleName(/95 % interval 0\.770 to 0\.960/);
    const latency = screen.getByRole('table', { name: 'Voice-to-voice latency' });
    expect(within(latency).getByTestId('result-tutor')).toHaveTextContent('not yet (p = 0.410)');
  });

  it('refuses splits that do not add up to 100 and sends only what a variant changes', async () => {
    const sent: unknown[] = [];
    server.use(
      http.get('/api/experiments', () => HttpResponse.json([])),
      http.post('/api/experiments', async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(experiment('draft'), { status: 201 });
      }),
    );
    render(<ExperimentsPage />);
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'New experiment' });
    await user.type(within(form).getByLabelText('Name'), 'Greeting test');
    const [, second] = within(form).getAllByLabelText('Split %');
    await user.clear(second!);
    await user.type(second!, '40');
    await user.click(within(form).getByRole('button', { name: 'Create draft' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('The splits must add up to 100.');
    expect(sent).toEqual([]);

    await user.clear(second!);
    await user.type(second!, '50');
    await user.type(within(form).getAllByLabelText('Greeting')[1]!, 'Hello from B');
    await user.type(within(form).getAllByLabelText('Min delay s')[1]!, '0.3');
    await user.click(within(form).getByRole('button', { name: 'Create draft' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      name: 'Greeting test',
      variants: [
        { key: 'control', split: 50, overrides: {} },
        { key: 'b', split: 50, overrides: { greeting: 'Hello from B', turn: { min_delay_s: 0.3 } } },
      ],
    });
  });

  it("sends a variant's providers by kind, and leaves out the ones it keeps", async () => {
    const sent: unknown[] = [];
    server.use(
      http.get('/api/experiments', () => HttpResponse.json([])),
      http.post('/api/experiments', async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(experiment('draft'), { status: 201 });
      }),
    );
    render(<ExperimentsPage />);
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'New experiment' });
    await user.type(within(form).getByLabelText('Name'), 'Cloud model');
    const llm = within(form).getAllByLabelText('Language model provider');
    expect(within(llm[1]!).getAllByRole('option').map((o) => o.textContent)).toEqual([
      "(the agent's)",
      'local',
      'openai',
      'azure',
    ]);
    await user.selectOptions(llm[1]!, 'openai');
    await user.selectOptions(within(form).getAllByLabelText('Text-to-speech provider')[1]!, 'azure');
    await user.click(within(form).getByRole('button', { name: 'Create draft' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      name: 'Cloud model',
      variants: [
        { key: 'control', split: 50, overrides: {} },
        { key: 'b', split: 50, overrides: { providers: { llm: 'openai', tts: 'azure' } } },
      ],
    });
  });

  it('speaks German when German was picked', async () => {
    server.use(http.get('/api/experiments', () => HttpResponse.json([])));
    useUiStore.getState().choose({ language: 'de' }); // reset after each test
    render(<ExperimentsPage />);
    const form = await screen.findByRole('form', { name: 'Neues Experiment' });
    expect(within(form).getAllByLabelText('Anbieter Sprachmodell')).toHaveLength(2);
    expect(within(form).getByRole('button', { name: 'Entwurf anlegen' })).toBeInTheDocument();
  });
});
