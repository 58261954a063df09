"""``AGENT_TURN__DETECTOR=lm``: ``words`` ends the turn, and the local LLM judges whether the
user's words can end there; if they cannot, the reply is held back until the user has been
silent ``turn.max_delay_s``.

The words detector holds a transcript that stops on a word no sentence ends with ("What is
the capital of") or inside a clause ("My phone number is"). Most cut-off sentences stop on a
word that could end one: "I would like to know", "Can you help me find", "Set an alarm for
seven". A language model tells them apart from "What is the capital of France": after the
user's words, how likely is the message to end here? The chat template ends every user
message with ``<|im_end|>``, so the model's next-token probabilities answer that. The
transcript's own final "?" or "." is dropped (the STT punctuates fragments too) and the
probability that a sentence-ending mark or the end of the message comes next is read:
"What is the capital of France" 0.87, "What is the capital of" 0.000, "I would like to know"
0.000. The conversation goes before the words, so a short answer to a question ("John"
after "What is your name?") reads as finished.

Where the judgement acts: not on when the turn ends (the framework would wait for it on
every turn), but on when the reply may be heard (``ReplyHold``). The turn ends as with
``words``. Just before the reply is requested, the model reads the reply's own prompt up to
the user's words (``chat_prompt.py``) on the conversation's llama.cpp slot; the reply then
reuses that prompt from the cache and evaluates only its last few tokens, so the judgement
costs one step of the model, and nothing when the read-ahead read these very words while the
user paused (read_ahead.py keeps that read's next tokens). A reply to words judged
unfinished plays only once the user has been silent ``turn.max_delay_s``. A user who goes on
before then interrupts a reply not yet heard, and the two parts are asked as one
(turn_joining.py).

The first design scored a short prompt of its own (a generic system prompt, the assistant's
last sentence, the user's words) on a slot of its own: its prompt shared the two cores with
the reply's and every reply came ~0.4 s later (docs/benchmarks.md). Judged in the
conversation's own prompt, its answers were the same on the same transcripts.

Only with the local LLM, no tools offered (Qwen's template writes them into the prompt) and a
conversation of plain text; English only, like ``words``. A judgement not back within
``turn.lm_timeout_s`` holds nothing (the reply's request then waits for the slot it is
using, and reuses its prompt all the same).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable

from livekit import rtc
from livekit.agents import llm

from . import languages
from .local_models import LlamaCppLLM
from .settings import AgentSettings
from .unfinished_words import ends_unfinished

logger = logging.getLogger(__name__)

TOP_TOKENS = 20
_END_MARKS = frozenset({"<|im_end|>", "?", ".", "!"})


def end_probability(tokens: dict[str, float]) -> float:
    """P(the user's message ends here): the end of the message, or a mark that ends a
    sentence ("?", ".\\n"...), next."""
    return min(1.0, sum(p for token, p in tokens.items() if token.strip() in _END_MARKS))


KnownTokens = Callable[[str], Awaitable[dict[str, float] | None]]


class TurnEndJudge:
    """P(the user's words end their message), from the local LLM, in the reply's prompt."""

    def __init__(
        self,
        model: LlamaCppLLM,
        *,
        threshold: float,
        timeout_s: float,
        known: KnownTokens | None = None,
    ) -> None:
        """``known(prompt)``: the next tokens already read after ``prompt``, if it was
        (read_ahead.py); the model is asked otherwise."""
        self._model = model
        self.threshold = threshold
        self._timeout_s = timeout_s
        self._known = known

    async def probability(self, chat_ctx: llm.ChatContext) -> float:
        """P(end of message) for the user's message that ends ``chat_ctx`` (the reply's
        context, as it will be requested): 0 when the words cannot end a sentence; 1 with no
        words, a conversation that is not plain text, or no judgement in time."""
        last = chat_ctx.items[-1] if chat_ctx.items else None
        if not (isinstance(last, llm.ChatMessage) and last.role == "user"):
            return 1.0
        text = last.text_content or ""
        if not text.strip():
            return 1.0
        if ends_unfinished(text):
            return 0.0
        prompt = self._model.open_turn_prompt(chat_ctx)
        if prompt is None:
            return 1.0
        started = time.perf_counter()
        try:
            tokens = await asyncio.wait_for(self._next_tokens(prompt), self._timeout_s)
        except Exception as e:  # a slow or failed judgement: the words' answer stands
            logger.warning(
                "end-of-turn judgement failed: the reply is not held",
                extra={"error": f"{type(e).__name__}: {e}"},
            )
            return 1.0
        probability = end_probability(tokens)
        logger.debug(
            "end-of-turn judgement",
            extra={
                "probability": round(probability, 4),
                "waited_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return probability

    async def _next_tokens(self, prompt: str) -> dict[str, float]:
        if self._known is not None and (tokens := await self._known(prompt)) is not None:
            return tokens
        return await asyncio.to_thread(self._model.engine.next_tokens, prompt, TOP_TOKENS)


def turn_end_judge(
    settings: AgentSettings,
    model: object,
    language: str | None = None,
    *,
    known: KnownTokens | None = None,
) -> TurnEndJudge | None:
    """The judge for ``AGENT_TURN__DETECTOR=lm`` with the session's LLM ``model``: None for
    other detectors, another language, offered tools, or an LLM that is not the local one
    (logged)."""
    turn = settings.turn
    if turn.detector != "lm" or (language and not languages.is_english(language)):
        return None
    if not isinstance(model, LlamaCppLLM) or settings.llm.offer_tools:
        logger.info("not the local LLM without tools: words alone judge the end of the turn")
        return None
    return TurnEndJudge(
        model, threshold=turn.lm_threshold, timeout_s=turn.lm_timeout_s, known=known
    )


class ReplyHold:
    """Holds the reply to a voice turn whose words were judged unfinished until the user has
    been silent ``max_delay_s``: ``turn_completed`` when the turn ends, ``decide`` with the
    reply's context just before it is requested, ``gate`` around the reply's audio."""

    def __init__(self, judge: TurnEndJudge, *, max_delay_s: float) -> None:
        self.judge = judge
        self._max_delay_s = max_delay_s
        self._stopped_at = 0.0
        # the voice turn's verdict (when its reply may be heard; None: at once), waited
        # for by the gate and given by decide
        self._verdict: asyncio.Future[float | None] | None = None
        self._until: asyncio.Future[float | None] | None = None

    def turn_completed(self, new_message: llm.ChatMessage) -> None:
        if self._verdict is not None and not self._verdict.done():
            self._verdict.set_result(None)  # a turn whose reply never came
        stopped = (new_message.metrics or {}).get("stopped_speaking_at")
        self._stopped_at = float(stopped) if isinstance(stopped, int | float) else time.time()
        self._verdict = self._until = asyncio.get_running_loop().create_future()

    async def decide(self, chat_ctx: llm.ChatContext | None) -> None:
        """Judge the voice turn's words in ``chat_ctx``, the reply's context (None: a reply
        the model does not make, never held). Nothing to do for a reply with no voice turn
        before it (the greeting, a typed message's)."""
        verdict, self._verdict = self._verdict, None
        if verdict is None or verdict.done():
            return
        until = None
        try:
            if chat_ctx is not None and (
                await self.judge.probability(chat_ctx) < self.judge.threshold
            ):
                until = self._stopped_at + self._max_delay_s
        finally:
            if not verdict.done():
                verdict.set_result(until)

    def gate(self, frames: AsyncIterable[rtc.AudioFrame]) -> AsyncIterable[rtc.AudioFrame]:
        """``frames``, the first held back while the last voice turn's reply is held."""
        until, self._until = self._until, None
        return frames if until is None else _held(frames, until)


async def _held(
    frames: AsyncIterable[rtc.AudioFrame], until: asyncio.Future[float | None]
) -> AsyncIterable[rtc.AudioFrame]:
    first = True
    async for frame in frames:
        if first:
            first = False
            # decided before the reply's first words were asked for; undecided here means
            # these frames are not that reply's (never waited for)
            at = until.result() if until.done() else None
            if at is not None and (wait := at - time.time()) > 0:
                logger.info(
                    "reply held: the words seem unfinished", extra={"wait_s": round(wait, 2)}
                )
                await asyncio.sleep(wait)
        yield frame
