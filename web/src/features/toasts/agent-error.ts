import { z } from 'zod';
import type { Translate } from '../../i18n';

/** An agent failure the agent publishes on the `va.metrics` data topic. */
export type AgentError = { source: string; message: string };

const agentErrorSchema = z.object({
  type: z.literal('agent_error'),
  source: z.string().catch('agent'),
  message: z.string().min(1),
});

const decoder = new TextDecoder();

/** Parse one `va.metrics` packet; `null` for anything that is not an `agent_error`. */
export function parseAgentError(payload: Uint8Array): AgentError | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(payload));
  } catch {
    return null;
  }
  const result = agentErrorSchema.safeParse(value);
  return result.success ? { source: result.data.source, message: result.data.message } : null;
}

export function describeAgentError(t: Translate, { source, message }: AgentError): string {
  return t('toasts.agentError', { source, message });
}
