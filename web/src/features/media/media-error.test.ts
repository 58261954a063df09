import { Track } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { namedError } from '../../testing/errors';
import { describeMediaError } from './media-error';
import { translate } from '../../i18n';

const t = translate('en');

describe('describeMediaError', () => {
  it('names the device and the failure', () => {
    expect(describeMediaError(t, Track.Source.Camera, namedError('NotAllowedError'))).toBe('Access to the camera was denied.');
    expect(describeMediaError(t, Track.Source.Camera, namedError('NotFoundError'))).toBe('No camera was found.');
    expect(describeMediaError(t, Track.Source.ScreenShare, namedError('NotReadableError'))).toBe(
      'The screen share is in use by another application.',
    );
    expect(describeMediaError(t, Track.Source.Microphone, new Error('boom'))).toBe(
      'The microphone could not be started: boom',
    );
  });

  it('speaks the page language, with the right article', () => {
    const de = translate('de');
    expect(describeMediaError(de, Track.Source.Microphone, namedError('NotAllowedError'))).toBe(
      'Der Zugriff auf das Mikrofon wurde verweigert.',
    );
    expect(describeMediaError(de, Track.Source.Camera, namedError('NotReadableError'))).toBe(
      'Eine andere Anwendung benutzt gerade die Kamera.',
    );
  });
});
