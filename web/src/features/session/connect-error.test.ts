import { describe, expect, it } from 'vitest';
import { describeConnectError } from './connect-error';

function namedError(name: string, message = 'x'): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('describeConnectError', () => {
  it('explains a failing token endpoint with its status', () => {
    const error = new Error(
      'Error generating token from endpoint /api/token: received 502 / Bad Gateway',
    );
    expect(describeConnectError(error)).toBe(
      'Could not get a session token from /api/token (HTTP 502).',
    );
  });

  it('explains an unreachable server', () => {
    expect(describeConnectError(new TypeError('Failed to fetch'))).toMatch(/Could not reach/);
  });

  it('explains a denied microphone', () => {
    expect(describeConnectError(namedError('NotAllowedError'))).toMatch(/Microphone access/);
  });

  it('explains a missing microphone', () => {
    expect(describeConnectError(namedError('NotFoundError'))).toMatch(/No microphone/);
  });

  it('falls back to the raw message', () => {
    expect(describeConnectError(new Error('could not establish pc connection'))).toBe(
      'Connection failed: could not establish pc connection',
    );
    expect(describeConnectError('boom')).toBe('Connection failed: boom');
  });
});
