import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('uses defaults when nothing is set', () => {
    expect(parseEnv({})).toEqual({ agentConnectTimeoutMs: 20_000 });
  });

  it('treats blank values as unset', () => {
    expect(parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '  ' })).toEqual({ agentConnectTimeoutMs: 20_000 });
  });

  it('accepts overrides and coerces the timeout to a number', () => {
    expect(parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '45000' })).toEqual({ agentConnectTimeoutMs: 45_000 });
  });

  it('rejects a non-numeric timeout, naming the variable', () => {
    expect(() => parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(/VITE_AGENT_CONNECT_TIMEOUT_MS/);
  });

  it('rejects timeouts outside 1s..300s', () => {
    expect(() => parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '10' })).toThrow(/TIMEOUT/);
    expect(() => parseEnv({ VITE_AGENT_CONNECT_TIMEOUT_MS: '900000' })).toThrow(/TIMEOUT/);
  });
});
