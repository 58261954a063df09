"""``AGENT_TURN__DETECTOR=lm``: ``words``, then the local LLM asked whether the sentence is over.

The words detector holds a transcript that stops on a word no sentence ends with ("What is
the capital of") or inside a clause ("My phone number is"). Most cut-off sentences stop on a
word that could end one: "I would like to know", "Can you help me find", "Set an alarm for
seven". A language model tells them apart from "What is the capital of France": after the
user's words, how likely is the message to end here? The chat template ends every user
message with ``<|im_end|>``, so the model's next-token probabilities answer that. The
transcript's own final "?" or "." is dropped (the STT punctuates fragments too) and the
probability that a sentence-ending mark or the end of the message comes next is read:
"What is the capital of France" 0.87, "What is the capital of" 0.000, "I would like to know"
0.000. The assistant's last sentence goes before it, so a short answer to a question ("John"
after "What is your name?") reads as finished.

The model is the host's (or the process's) Qwen, on a slot of its own (``LlamaOptions.
scoring_slot``): one ~20-token prompt per end of speech, no other memory. The judgement
starts when the transcript arrives (``judge_early``: the STT transcribes after 0.06 s of
silence, the VAD ends the speech after 0.2 s), so the turn rarely waits for it. A judgement
not back within ``turn.lm_timeout_s`` counts as finished: a slow box answers as ``words``
does. English only, like ``words``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterable, Callable

from livekit.agents import Agent, llm, stt
from livekit.agents.language import LanguageCode

from .local_models import ChatEngine
from .turn_joining import join_unanswered
from .unfinished_words import ends_unfinished

logger = logging.getLogger(__name__)

TOP_TOKENS = 20
# what the scoring prompt opens with (its KV cache stays on the scoring slot)
SYSTEM = "You are a helpful voice assistant. Answer in one or two short spoken sentences."
# the words of the assistant's last message that go before the user's (its last sentence,
# usually the question being answered)
PREVIOUS_WORDS = 16
# judgements kept for the turn's decision (each end of speech asks one or two)
KEPT_JUDGEMENTS = 8
_END_MARKS = frozenset({"<|im_end|>", "?", ".", "!"})
_TRAILING = re.compile(r"[\s.?!,;:…]+$")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def scoring_prompt(previous: str | None, text: str) -> str:
    """ChatML up to the user's words, without their final punctuation."""
    prompt = f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
    if previous:
        last = _SENTENCE.split(previous.strip())[-1].split()[-PREVIOUS_WORDS:]
        prompt += f"<|im_start|>assistant\n{' '.join(last)}<|im_end|>\n"
    return prompt + f"<|im_start|>user\n{_TRAILING.sub('', text.strip())}"


def end_probability(tokens: dict[str, float]) -> float:
    """P(the user's message ends here): the end of the message, or a mark that ends a
    sentence ("?", ".\\n"...), next."""
    return min(1.0, sum(p for token, p in tokens.items() if token.strip() in _END_MARKS))


def _last_texts(chat_ctx: llm.ChatContext) -> tuple[str | None, str | None]:
    """The assistant's last message before the user's, and the user's (None: none). A turn
    committed too soon and left unanswered joins the words after it (turn_joining.py): "What
    is the capital of" + "France" is judged as one."""
    messages = [i for i in join_unanswered(chat_ctx).items if isinstance(i, llm.ChatMessage)]
    if not messages or messages[-1].role != "user":
        return None, None
    previous = next((m for m in reversed(messages) if m.role == "assistant"), None)
    return (previous.text_content or None) if previous else None, messages[-1].text_content


class LanguageModelTurnDetector:
    """The framework's text turn detector protocol (``voice.turn._TurnDetector``)."""

    def __init__(self, engine: ChatEngine, *, threshold: float, timeout_s: float) -> None:
        self._engine = engine
        self._threshold = threshold
        self._timeout_s = timeout_s
        self._judgements: dict[str, asyncio.Future[dict[str, float]]] = {}

    def prefetch(self, chat_ctx: llm.ChatContext) -> None:
        """Start judging ``chat_ctx`` (the conversation and the user's words so far) now;
        the turn's decision on the same words then takes its result."""
        previous, text = _last_texts(chat_ctx)
        if text and text.strip() and not ends_unfinished(text):
            self._judgement(scoring_prompt(previous, text))

    def _judgement(self, prompt: str) -> asyncio.Future[dict[str, float]]:
        future = self._judgements.get(prompt)
        if future is None:
            future = asyncio.ensure_future(
                asyncio.to_thread(self._engine.next_tokens, prompt, TOP_TOKENS)
            )
            future.add_done_callback(lambda f: self._forget_failed(prompt, f))
            self._judgements[prompt] = future
            while len(self._judgements) > KEPT_JUDGEMENTS:
                del self._judgements[next(iter(self._judgements))]
        return future

    def _forget_failed(self, prompt: str, future: asyncio.Future[dict[str, float]]) -> None:
        if future.cancelled() or future.exception() is not None:
            self._judgements.pop(prompt, None)  # the next decision asks again

    @property
    def model(self) -> str:
        return "words+lm"

    @property
    def provider(self) -> str:
        return "voice-agent"

    async def unlikely_threshold(self, language: LanguageCode | None) -> float | None:
        return self._threshold

    async def supports_language(self, language: LanguageCode | None) -> bool:
        return language is None or str(language).lower().startswith("en")

    async def predict_end_of_turn(
        self, chat_ctx: llm.ChatContext, *, timeout: float | None = None
    ) -> float:
        previous, text = _last_texts(chat_ctx)
        if not text or not text.strip():
            return 1.0
        if ends_unfinished(text):
            return 0.0
        started = time.perf_counter()
        prompt = scoring_prompt(previous, text)
        try:
            tokens = await asyncio.wait_for(
                asyncio.shield(self._judgement(prompt)), self._timeout_s
            )
        except Exception as e:  # a slow or failed judgement: the words' answer stands
            logger.warning(
                "end-of-turn judgement failed: the turn ends on silence",
                extra={"error": f"{type(e).__name__}: {e}"},
            )
            return 1.0
        probability = end_probability(tokens)
        logger.debug(
            "end-of-turn judgement",
            extra={
                "probability": round(probability, 4),
                "ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return probability


def with_early_judgement(
    agent: Agent, events: AsyncIterable[stt.SpeechEvent | str]
) -> AsyncIterable[stt.SpeechEvent | str]:
    """An agent's ``stt_node`` events, judged as they come when its session's detector is
    ``lm`` (unchanged otherwise)."""
    detector = agent.session.turn_detection
    if isinstance(detector, LanguageModelTurnDetector):
        return judge_early(events, detector, lambda: agent.chat_ctx)
    return events


async def judge_early(
    events: AsyncIterable[stt.SpeechEvent | str],
    detector: LanguageModelTurnDetector,
    chat_ctx: Callable[[], llm.ChatContext],
) -> AsyncIterable[stt.SpeechEvent | str]:
    """``events`` unchanged; each final transcript starts the judgement of the user's words so
    far (joined as the framework joins them until the turn is committed: ``chat_ctx()``
    growing means it was)."""
    heard, seen_items = "", -1
    async for event in events:
        if (
            isinstance(event, stt.SpeechEvent)
            and event.type == stt.SpeechEventType.FINAL_TRANSCRIPT
        ):
            ctx = chat_ctx().copy()
            if len(ctx.items) != seen_items:
                heard, seen_items = "", len(ctx.items)
            text = event.alternatives[0].text if event.alternatives else ""
            heard = f"{heard} {text}".strip()
            if heard:
                ctx.add_message(role="user", content=heard)
                detector.prefetch(ctx)
        yield event
