import { render, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AnalyticsReport, Experiment, ExperimentResults, ResultMetric } from '../api/types';
import { AnalyticsPage } from '../features/analytics/components/analytics-page';
import { ExperimentsPage } from '../features/experiments/components/experiments-page';
import { ConversationView } from '../features/history/components/conversation-view';
import { useUiStore } from '../store/ui-store';
import { conversationDetail } from '../testing/api-fixtures';
import { server } from '../testing/msw-server';
import { de } from './de';
import { en, type MessageKey } from './en';

const letter = '[\\p{L}\\p{N}]';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The English texts that a German page must not show: those German says differently, whole
 * words only ("Start" is not in "Starten"), with no `{value}` and long enough to mean something. */
const englishOnly = (Object.keys(en) as MessageKey[])
  .map((key) => en[key].trim())
  .filter((text) => text.length >= 4 && !text.includes('{'))
  .filter((text) => !Object.values(de).some((german) => german.trim() === text));

/** Everything a person or a screen reader meets on the page, one text node a line. */
function pageText(): string {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts: string[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node.textContent ?? '');
  const attributes = [...document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')].flatMap((el) =>
    ['aria-label', 'title', 'placeholder', 'alt'].map((name) => el.getAttribute(name) ?? ''),
  );
  return [...texts, ...attributes].join('\n');
}

function expectNoEnglish() {
  const text = pageText();
  const found = englishOnly.filter((english) =>
    new RegExp(`(?<!${letter})${escape(english)}(?!${letter})`, 'u').test(text),
  );
  expect(found).toEqual([]);
}

const row = (key: string | null, conversations: number) => ({
  key,
  conversations,
  avg_turns: 2.5,
  avg_duration_s: 90,
  interruptions: 1,
  errors: 1,
  fallbacks: 0,
  replies: 5,
  p50_ms: 1300,
  p95_ms: 1560.5,
  up: 2,
  down: 1,
});

const report: AnalyticsReport = {
  scope: 'all',
  from: '2025-12-05',
  to: '2026-01-03',
  by: 'persona',
  totals: row(null, 3),
  days: [{ day: '2026-01-01', conversations: 3, turns: 7, avg_turns: 2.5, avg_duration_s: 90, interruptions: 1, errors: 1, fallbacks: 1 }],
  latency: [{ day: '2026-01-01', replies: 3, p50_ms: 1300, p95_ms: 1560 }],
  errors: [{ source: 'llm', errors: 1, fallbacks: 1 }],
  breakdown: [row('guide', 2), row(null, 1)],
  ratings: { up: 2, down: 1, up_share: 0.6667 },
  comments: [{ conversation_id: '00000000-0000-4000-8000-000000000002', score: 'down', comment: 'langsam', rated_at: '2026-01-01T12:00:00Z' }],
};

const ID = '00000000-0000-4000-8000-000000000017';
const experiment: Experiment = {
  id: ID,
  name: 'Begrüßungstest',
  status: 'running',
  variants: [
    { key: 'basis', split: 50, overrides: {} },
    { key: 'tutor', split: 50, overrides: { persona: 'tutor', turn: { min_delay_s: 0.3 } } },
  ],
  created_at: '2026-11-30T10:00:00Z',
  started_at: '2026-11-30T10:05:00Z',
  stopped_at: null,
};
const metric = (value: number, low: number, high: number, p: number | null): ResultMetric => ({
  n: 40,
  value,
  low,
  high,
  p_value: p,
  significant: p !== null && p < 0.05,
});
const variant = (key: string, p: number | null) => ({
  key,
  split: 50,
  conversations: 40,
  rating_up: metric(0.9, 0.77, 0.96, p),
  error_rate: metric(0.1, 0.04, 0.23, p),
  v2v_ms: metric(1040, 1000, 1080, p),
  turns: metric(2.5, 1.7, 3.3, p),
  interruptions: metric(0.5, 0.3, 0.7, p),
});
const results: ExperimentResults = {
  experiment_id: ID,
  control: 'basis',
  alpha: 0.05,
  method: 'Wilson / Welch',
  variants: [variant('basis', null), variant('tutor', 0.0002)],
};

describe('the pages in German', () => {
  beforeEach(() => useUiStore.getState().choose({ language: 'de' }));

  it('shows the Analytics page in German, numbers and dates written the German way', async () => {
    server.use(http.get('/api/analytics', () => HttpResponse.json(report)));
    render(<AnalyticsPage operator today={new Date('2026-01-03T08:00:00Z')} />);

    const table = await screen.findByTestId('breakdown-table');
    expect(screen.getByRole('heading', { name: 'Auswertung' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Nach Persona' })).toBeInTheDocument();
    expect(screen.getByLabelText('Aufgeschlüsselt nach')).toHaveDisplayValue('Persona');
    expect(within(table).getByRole('rowheader', { name: 'unbekannt' })).toBeInTheDocument();
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toContain('Anrufe');
    expect(screen.getByText('67 % von 3')).toBeInTheDocument(); // German percent
    expect(within(table).getAllByText('2,5')).not.toHaveLength(0); // German decimal comma
    expect(within(table).getAllByText('1.561')).not.toHaveLength(0); // German thousands
    expect(screen.getByTestId('bar-chart')).toHaveTextContent('05.12.2025'); // German date
    expect(screen.getByRole('link', { name: 'Pro Tag' })).toBeInTheDocument();
    expectNoEnglish();
  });

  it('shows the Experiments page in German: list, results, verdicts and the editor', async () => {
    server.use(
      http.get('/api/experiments', () => HttpResponse.json([experiment])),
      http.get(`/api/experiments/${ID}/results`, () => HttpResponse.json(results)),
      http.get('/api/options', () => HttpResponse.json({ personas: [], voices: [], languages: ['en', 'de'] })),
    );
    render(<ExperimentsPage />);

    const item = await screen.findByTestId('experiment');
    expect(screen.getByRole('heading', { name: 'Experimente' })).toBeInTheDocument();
    expect(item).toHaveTextContent('läuft');
    expect(item).toHaveTextContent('Persona tutor, Mindestpause 0,3 s');
    expect(within(item).getByRole('button', { name: 'Beenden' })).toBeInTheDocument();
    const ratings = await screen.findByRole('table', { name: 'Daumen hoch' });
    const tutor = within(ratings).getByTestId('result-tutor');
    expect(tutor).toHaveTextContent('90,0 %');
    expect(tutor).toHaveTextContent('signifikant (p < 0,001)');
    expect(within(ratings).getByTestId('result-basis')).toHaveTextContent('Kontrolle');
    expect(within(tutor).getByRole('img')).toHaveAccessibleName(/95-%-Intervall von 0,770 bis 0,960/);
    expect(screen.getByRole('form', { name: 'Neues Experiment' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Entwurf anlegen' })).toBeInTheDocument();
    expectNoEnglish();
  });

  it('shows a saved conversation in German: transcript, latency figures, files, events, rating', async () => {
    const fixture = conversationDetail(1);
    // the event's detail is data the agent wrote: German here, so only the page's text is English-checked
    const detail = { ...fixture, events: fixture.events?.map((e) => ({ ...e, detail: 'Stimmmodell neu geladen' })) };
    server.use(
      http.get(`/api/conversations/${detail.id}`, () => HttpResponse.json(detail)),
      http.get(`/api/conversations/${detail.id}/files`, () =>
        HttpResponse.json([
          { id: 'f1', name: 'notizen.txt', kind: 'text', size: 1234, text: 'WLAN: reiher-42', created_at: '2026-11-21T10:00:05Z', content_type: null },
        ]),
      ),
    );
    render(<ConversationView id={detail.id} />);

    const transcript = await screen.findByRole('list', { name: 'Gespeichertes Protokoll' });
    expect(screen.getByRole('heading', { name: 'Gespräch' })).toBeInTheDocument();
    expect(within(transcript).getByText('Erstes LLM-Token')).toBeInTheDocument();
    expect(await screen.findByRole('list', { name: 'Geteilte Dateien' })).toHaveTextContent('1,2 KB');
    expect(screen.getByRole('list', { name: 'Ereignisse' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Als JSON exportieren' })).toBeInTheDocument();
    expect(screen.getByTestId('rating-form')).toHaveTextContent('Ihre Bewertung');
    expect(screen.getByText(/21\.11\.2026/)).toBeInTheDocument(); // the German date
    expectNoEnglish();
  });
});
