import { act, render, screen } from '@testing-library/react';
import { ConnectionQuality, ParticipantEvent, Room } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { ConnectionQualityBadge } from './connection-quality';

describe('ConnectionQualityBadge', () => {
  it('follows the participant connection quality', () => {
    const participant = new Room().localParticipant;
    render(<ConnectionQualityBadge participant={participant} />);
    const badge = screen.getByTestId('connection-quality');
    expect(badge).toHaveTextContent('Connection: measuring');

    act(() => {
      participant.emit(ParticipantEvent.ConnectionQualityChanged, ConnectionQuality.Poor);
    });
    expect(badge).toHaveTextContent('Connection: poor');
    expect(badge).toHaveAttribute('data-quality', 'poor');
  });
});
