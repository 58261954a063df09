import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from '../transcript-entries';
import { TranscriptList } from './transcript-list';

const entries: TranscriptEntry[] = [
  { key: 'segment:1', role: 'user', text: 'what is the weather', final: false, kind: 'speech' },
  { key: 'segment:2', role: 'agent', text: 'It is sunny.', final: true, kind: 'speech' },
  { key: 'message:3', role: 'user', text: 'thanks', final: true, kind: 'chat' },
];

describe('TranscriptList', () => {
  it('renders each entry in order with the role test id and its text', () => {
    render(<TranscriptList entries={entries} isConnected />);
    const list = screen.getByRole('list', { name: 'Transcript' });
    const items = within(list).getAllByRole('listitem');

    expect(items.map((item) => item.dataset.testid)).toEqual(['msg-user', 'msg-agent', 'msg-user']);
    expect(items[0]).toHaveTextContent('what is the weather');
    expect(items[0]).toHaveAttribute('data-final', 'false');
    expect(screen.getByTestId('msg-agent')).toHaveTextContent('It is sunny.');
    expect(screen.queryByText(/Say hello/)).not.toBeInTheDocument();
  });

  it('updates an entry in place when its text grows', () => {
    const { rerender } = render(<TranscriptList entries={entries.slice(0, 1)} isConnected />);
    const before = screen.getByTestId('msg-user');
    rerender(
      <TranscriptList
        entries={[{ ...entries[0]!, text: 'what is the weather today', final: true }]}
        isConnected
      />,
    );
    const after = screen.getByTestId('msg-user');
    expect(after).toBe(before);
    expect(after).toHaveTextContent('what is the weather today');
    expect(after).toHaveAttribute('data-final', 'true');
  });

  it('shows a hint when empty that depends on the connection', () => {
    const { rerender } = render(<TranscriptList entries={[]} isConnected={false} />);
    expect(screen.getByText(/Connect to start/)).toBeInTheDocument();
    rerender(<TranscriptList entries={[]} isConnected />);
    expect(screen.getByText(/Say hello/)).toBeInTheDocument();
  });
});
