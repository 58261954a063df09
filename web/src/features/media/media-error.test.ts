import { Track } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { namedError } from '../../testing/errors';
import { describeMediaError } from './media-error';

describe('describeMediaError', () => {
  it('names the device and the failure', () => {
    expect(describeMediaError(Track.Source.Camera, namedError('NotAllowedError'))).toBe('Access to the camera was denied.');
    expect(describeMediaError(Track.Source.Camera, namedError('NotFoundError'))).toBe('No camera was found.');
    expect(describeMediaError(Track.Source.ScreenShare, namedError('NotReadableError'))).toBe(
      'The screen share is in use by another application.',
    );
    expect(describeMediaError(Track.Source.Microphone, new Error('boom'))).toBe(
      'The microphone could not be started: boom',
    );
  });
});
