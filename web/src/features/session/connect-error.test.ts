import { describe, expect, it } from 'vitest';
import { namedError } from '../../testing/errors';
import { ApiError } from '../../api/api-error';
import { describeConnectError } from './connect-error';
import { translate } from '../../i18n';

const t = translate('en');

describe('describeConnectError', () => {
  it('explains a failing token endpoint with its status', () => {
    const error = new Error(
      'Error generating token from endpoint /api/token: received 502 / Bad Gateway',
    );
    expect(describeConnectError(t, error)).toBe(
      'Could not get a session token from /api/token (HTTP 502).',
    );
  });

  it('explains a conversation the backend refused, with its detail', () => {
    expect(describeConnectError(t, new ApiError(409, 'conversation limit reached'))).toBe(
      'Could not start a conversation (HTTP 409): conversation limit reached.',
    );
  });

  it('says so at once when every agent is busy, for the Retry button', () => {
    expect(describeConnectError(t, new ApiError(503, 'all agents are busy: try again in a few seconds'))).toBe(
      'All agents are busy: try again in a few seconds.',
    );
  });

  it('explains an unreachable server', () => {
    expect(describeConnectError(t, new TypeError('Failed to fetch'))).toMatch(/Could not reach/);
  });

  it('explains a denied microphone', () => {
    expect(describeConnectError(t, namedError('NotAllowedError'))).toMatch(/Microphone access/);
  });

  it('explains a missing microphone', () => {
    expect(describeConnectError(t, namedError('NotFoundError'))).toMatch(/No microphone/);
  });

  it('speaks the page language', () => {
    expect(describeConnectError(translate('de'), new ApiError(409, 'conversation limit reached'))).toBe(
      'Das Gespräch konnte nicht beginnen (HTTP 409): conversation limit reached.',
    );
  });

  it('falls back to the raw message', () => {
    expect(describeConnectError(t, new Error('could not establish pc connection'))).toBe(
      'Connection failed: could not establish pc connection',
    );
    expect(describeConnectError(t, 'boom')).toBe('Connection failed: boom');
  });
});
