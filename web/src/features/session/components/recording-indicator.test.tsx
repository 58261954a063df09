import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RecordingIndicator } from './recording-indicator';

describe('RecordingIndicator', () => {
  it('shows while the agent says it records, and not otherwise', () => {
    const { rerender } = render(<RecordingIndicator attributes={{ recording: 'on' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Recording');
    rerender(<RecordingIndicator attributes={{}} />);
    expect(screen.queryByText('Recording')).not.toBeInTheDocument();
    rerender(<RecordingIndicator attributes={undefined} />);
    expect(screen.queryByText('Recording')).not.toBeInTheDocument();
  });
});
