import { z } from 'zod';

/** Treat unset and blank variables the same, so `VITE_X=` in a .env file means "use the default". */
const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

// The API is same-origin (`/api`, proxied by Vite in development) and the backend picks the
// agent, so the only client setting is how long to wait for the agent to join.
const envSchema = z.object({
  VITE_AGENT_CONNECT_TIMEOUT_MS: z.preprocess(
    blankToUndefined,
    z.coerce.number().int().min(1_000).max(300_000).default(20_000),
  ),
});

export type Env = {
  agentConnectTimeoutMs: number;
};

export type RawEnv = Partial<Record<keyof z.input<typeof envSchema>, string | undefined>>;

/** Validate raw `VITE_*` values; throws a readable error listing every bad variable. */
export function parseEnv(raw: RawEnv): Env {
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map((issue) => `- ${issue.path.join('.')}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid web client configuration:\n${details}`);
  }
  return { agentConnectTimeoutMs: result.data.VITE_AGENT_CONNECT_TIMEOUT_MS };
}

// Keys are listed one by one so Vite inlines only these, not every VITE_* variable.
export const env: Env = parseEnv({
  VITE_AGENT_CONNECT_TIMEOUT_MS: import.meta.env.VITE_AGENT_CONNECT_TIMEOUT_MS,
});
