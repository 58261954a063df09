import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { LatencyRow } from '../latency-rows';
import { LatencyPanel } from './latency-panel';

function row(turn: number | null, overrides: Partial<LatencyRow> = {}): LatencyRow {
  return {
    key: `row-${turn}`,
    turn,
    isGreeting: false,
    interrupted: false,
    browserMs: null,
    e2eMs: null,
    sttMs: null,
    llmMs: null,
    ttsMs: null,
    ...overrides,
  };
}

const rows: LatencyRow[] = [
  row(1, { isGreeting: true, ttsMs: 48.4 }),
  row(2, { browserMs: 812.6, e2eMs: 701.2, sttMs: 210.04, llmMs: 349.5, ttsMs: 120 }),
  row(3, { e2eMs: 1234.5, interrupted: true }),
];

describe('LatencyPanel', () => {
  it('renders one row per turn, newest first, with figures in whole ms', () => {
    render(<LatencyPanel rows={rows} />);
    const panel = screen.getByRole('region', { name: 'Latency' });
    expect(within(panel).getByRole('heading', { name: 'Latency' })).toBeInTheDocument();

    const tableRows = within(panel).getAllByTestId('latency-row');
    expect(tableRows.map((tr) => tr.dataset.turn)).toEqual(['3', '2', '1']);

    const cells = (tr: HTMLElement) =>
      within(tr)
        .getAllByRole('cell')
        .map((cell) => cell.textContent);
    expect(cells(tableRows[1]!)).toEqual(['813', '701', '210', '350', '120']);
    expect(cells(tableRows[0]!)).toEqual(['—', '1235', '—', '—', '—']);
    expect(tableRows[0]).toHaveAttribute('data-interrupted', 'true');
    expect(within(tableRows[0]!).getByRole('rowheader')).toHaveTextContent('3 interrupted');
    expect(within(tableRows[2]!).getByRole('rowheader')).toHaveTextContent('1 (greeting)');

    expect(screen.getAllByTestId('latency-browser-ms').map((cell) => cell.textContent)).toEqual([
      '—',
      '813',
      '—',
    ]);
    expect(screen.getAllByTestId('latency-e2e-ms').map((cell) => cell.textContent)).toEqual([
      '1235',
      '701',
      '—',
    ]);
  });

  it('has the expected column headers', () => {
    render(<LatencyPanel rows={rows} />);
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'Turn',
      'You felt',
      'Agent e2e',
      'STT',
      'LLM first token',
      'TTS first byte',
    ]);
  });

  it('charts the browser figure, falling back to agent e2e, with an accessible title', () => {
    render(<LatencyPanel rows={rows} />);
    const chart = screen.getByRole('img', { name: /Latency per turn over the call/ });
    expect(chart).toHaveAccessibleName(
      'Latency per turn over the call, peak 1235 ms: 813 ms, 1235 ms (agent e2e)',
    );
    expect(chart.querySelectorAll('circle')).toHaveLength(2);
  });

  it('marks a pending row and shows a hint when there is nothing yet', () => {
    const { rerender } = render(<LatencyPanel rows={[]} />);
    expect(screen.queryByTestId('latency-row')).not.toBeInTheDocument();
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
    expect(screen.getByText(/Figures appear after each reply/)).toBeInTheDocument();

    rerender(<LatencyPanel rows={[row(null, { browserMs: 640 })]} />);
    const pending = screen.getByTestId('latency-row');
    expect(pending).toHaveAttribute('data-pending', 'true');
    expect(pending).not.toHaveAttribute('data-turn');
    expect(within(pending).getByTestId('latency-browser-ms')).toHaveTextContent('640');
  });
});
