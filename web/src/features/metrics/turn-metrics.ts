import { z } from 'zod';

/** Data topic the agent publishes one `turn_metrics` packet on per agent reply. */
export const METRICS_TOPIC = 'va.metrics';

/** Latency figures of one turn, in seconds, each optional (agent `turn_metrics.py`). */
export type TurnFigures = {
  /** End of user speech → final transcript. */
  transcription_delay?: number;
  end_of_turn_delay?: number;
  /** LLM first token. */
  llm_node_ttft?: number;
  /** TTS first byte. */
  tts_node_ttfb?: number;
  /** Agent clock: end of user speech → first agent audio out. */
  e2e_latency?: number;
};

export type TurnMetrics = {
  turn: number;
  /** `null` for a reply nobody asked for, such as the greeting. */
  userText: string | null;
  agentText: string;
  interrupted: boolean;
  figures: TurnFigures;
};

export const FIGURE_KEYS = [
  'transcription_delay',
  'end_of_turn_delay',
  'llm_node_ttft',
  'tts_node_ttfb',
  'e2e_latency',
] as const satisfies ReadonlyArray<keyof TurnFigures>;

// A single bad figure is dropped; the rest of the packet still counts.
const figure = z.number().nonnegative().optional().catch(undefined);

const turnMetricsSchema = z.object({
  type: z.literal('turn_metrics'),
  turn: z.number().int().positive(),
  user_text: z.string().nullish().catch(null),
  agent_text: z.string().catch(''),
  interrupted: z.boolean().catch(false),
  figures: z
    .object({
      transcription_delay: figure,
      end_of_turn_delay: figure,
      llm_node_ttft: figure,
      tts_node_ttfb: figure,
      e2e_latency: figure,
    })
    .catch({}),
});

const decoder = new TextDecoder();

/**
 * Parse one `va.metrics` packet (raw bytes, a JSON string, or an already parsed value).
 * Returns `null` for anything that is not a well-formed `turn_metrics` record; never throws.
 */
export function parseTurnMetrics(payload: unknown): TurnMetrics | null {
  let value: unknown = payload;
  try {
    if (ArrayBuffer.isView(payload)) value = JSON.parse(decoder.decode(payload));
    else if (typeof payload === 'string') value = JSON.parse(payload);
  } catch {
    return null;
  }
  const result = turnMetricsSchema.safeParse(value);
  if (!result.success) return null;
  const { turn, user_text, agent_text, interrupted, figures } = result.data;
  const present: TurnFigures = {};
  for (const key of FIGURE_KEYS) {
    const seconds = figures[key];
    if (seconds !== undefined) present[key] = seconds;
  }
  return { turn, userText: user_text ?? null, agentText: agent_text, interrupted, figures: present };
}

export function hasFigures(turn: TurnMetrics): boolean {
  return Object.keys(turn.figures).length > 0;
}
