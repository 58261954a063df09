import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('uses defaults when nothing is set', () => {
    expect(parseEnv({})).toEqual({
      agentName: 'voice-assistant',
      tokenEndpoint: '/api/token',
      agentConnectTimeoutMs: 20_000,
    });
  });

  it('treats blank values as unset', () => {
    expect(
      parseEnv({ VITE_AGENT_NAME: '  ', VITE_TOKEN_ENDPOINT: '', VITE_AGENT_CONNECT_TIMEOUT_MS: '' }),
    ).toEqual({
      agentName: 'voice-assistant',
      tokenEndpoint: '/api/token',
      agentConnectTimeoutMs: 20_000,
    });
  });

  it('accepts overrides and coerces the timeout to a number', () => {
    expect(
      parseEnv({
        VITE_AGENT_NAME: 'support-bot',
        VITE_TOKEN_ENDPOINT: 'https://example.test/api/token',
        VITE_AGENT_CONNECT_TIMEOUT_MS: '45000',
      }),
    ).toEqual({
      agentName: 'support-bot',
      tokenEndpoint: 'https://example.test/api/token',
      agentConnectTimeoutMs: 45_000,
    });
  });

  it('rejects a token endpoint that is neither a path nor an http(s) URL', () => {
    expect(() => parseEnv({ VITE_TOKEN_ENDPOINT: 'api/token' })).toThrow(/VITE_TOKEN_ENDPOINT/);
    expect(() => parseEnv({ VITE_TOKEN_ENDPOINT: 'ftp://host/token' })).toThrow(
      /VITE_TOKEN_ENDPOINT/,
    );
  });

  it('rejects agent names with spaces and non-numeric timeouts, naming each variable', () => {
    let message = '';
    try {
      parseEnv({ VITE_AGENT_NAME: 'voice assistant', VITE_AGENT_CONNECT_TIMEOUT_MS: 'soon' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/VITE_AGENT_NAME/);
    expect(message).toMatch(/VITE_AGENT_CONNECT_TIMEOUT_MS/);
  });

  it('rejects timeouts outside 1s..300s', () => {
    expect(() => parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '10' })).toThrow(/TIMEOUT/);
    expect(() => parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '900000' })).toThrow(/TIMEOUT/);
  });
});
