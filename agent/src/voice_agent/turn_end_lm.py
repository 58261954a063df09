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
0.000. The assistant's last sentence goes before it, so a short answer to a question ("John"
after "What is your name?") reads as finished.

Where the judgement acts: not on when the turn ends (the framework would wait for it, ~0.1 s
on every turn), but on when the reply may be heard (``ReplyHold``). The turn ends as with
``words`` and the reply is made at once; a reply to words judged unfinished plays only once
the user has been silent ``turn.max_delay_s``. A user who goes on before then interrupts a
reply not yet heard, and the two parts are asked as one (turn_joining.py).

Not the default: on 2 cores the judgement shares the model and the CPU with the reply, and
the reply's first audio came ~0.4 s later on every turn (docs/benchmarks.md, the analysis
of ``lm``). It cut far fewer sentences as heard (``make bench-cuts``).

The model is the host's (or the process's) Qwen, on a slot of its own (``LlamaOptions.
scoring_slot``): one ~20-token prompt per transcript, no other memory. The judgement starts
when the transcript arrives (``judge_early``). One not back within ``turn.lm_timeout_s``
counts as finished. English only, like ``words``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterable, Callable

from livekit import rtc
from livekit.agents import llm, stt

from . import languages
from .local_models import ChatEngine, LlamaCppLLM
from .settings import AgentSettings
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


class TurnEndJudge:
    """P(the user's words end their message), from the local LLM; judgements are shared
    between the early start (``prefetch``) and the reply's hold."""

    def __init__(self, engine: ChatEngine, *, threshold: float, timeout_s: float) -> None:
        self._engine = engine
        self.threshold = threshold
        self._timeout_s = timeout_s
        self._judgements: dict[str, asyncio.Future[dict[str, float]]] = {}

    def prefetch(self, chat_ctx: llm.ChatContext) -> None:
        """Start judging ``chat_ctx`` (the conversation and the user's words so far) now;
        a later ``probability`` of the same words takes its result."""
        previous, text = _last_texts(chat_ctx)
        if text and text.strip() and not ends_unfinished(text):
            self._judgement(scoring_prompt(previous, text))

    async def probability(self, chat_ctx: llm.ChatContext) -> float:
        """P(end of message) for the last user message of ``chat_ctx``: 0 when the words
        cannot end a sentence, 1 with no words or no judgement in time."""
        previous, text = _last_texts(chat_ctx)
        if not text or not text.strip():
            return 1.0
        if ends_unfinished(text):
            return 0.0
        started = time.perf_counter()
        try:
            tokens = await asyncio.wait_for(
                asyncio.shield(self._judgement(scoring_prompt(previous, text))), self._timeout_s
            )
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


def turn_end_judge(
    settings: AgentSettings, model: object, language: str | None = None
) -> TurnEndJudge | None:
    """The judge for ``AGENT_TURN__DETECTOR=lm`` with the session's LLM ``model``: None for
    other detectors, another language, or an LLM that is not the local one (logged)."""
    turn = settings.turn
    if turn.detector != "lm" or (language and not languages.is_english(language)):
        return None
    if not (isinstance(model, LlamaCppLLM) and model.engine.options.scoring_slot):
        logger.info("the LLM is not the local one: words alone judge the end of the turn")
        return None
    return TurnEndJudge(model.engine, threshold=turn.lm_threshold, timeout_s=turn.lm_timeout_s)


class ReplyHold:
    """Holds the reply to a voice turn whose words were judged unfinished until the user has
    been silent ``max_delay_s``: ``turn_completed`` when the turn ends, ``gate`` around the
    reply's audio."""

    def __init__(self, judge: TurnEndJudge, *, max_delay_s: float) -> None:
        self.judge = judge
        self._max_delay_s = max_delay_s
        self._until: asyncio.Future[float | None] | None = None

    def turn_completed(self, turn_ctx: llm.ChatContext, new_message: llm.ChatMessage) -> None:
        ctx = turn_ctx.copy()
        ctx.items.append(new_message)
        stopped = (new_message.metrics or {}).get("stopped_speaking_at")
        stopped_at = float(stopped) if isinstance(stopped, int | float) else time.time()
        self._until = asyncio.ensure_future(self._hold_until(ctx, stopped_at))

    async def _hold_until(self, ctx: llm.ChatContext, stopped_at: float) -> float | None:
        if await self.judge.probability(ctx) >= self.judge.threshold:
            return None
        return stopped_at + self._max_delay_s

    def gate(self, frames: AsyncIterable[rtc.AudioFrame]) -> AsyncIterable[rtc.AudioFrame]:
        """``frames``, the first held back while the last turn's reply is held (a reply with
        no turn before it, the greeting or a typed message's, is not)."""
        until, self._until = self._until, None
        return frames if until is None else _held(frames, until)


async def _held(
    frames: AsyncIterable[rtc.AudioFrame], until: asyncio.Future[float | None]
) -> AsyncIterable[rtc.AudioFrame]:
    first = True
    async for frame in frames:
        if first:
            first = False
            at = await until
            if at is not None and (wait := at - time.time()) > 0:
                logger.info(
                    "reply held: the words seem unfinished", extra={"wait_s": round(wait, 2)}
                )
                await asyncio.sleep(wait)
        yield frame


async def judge_early(
    events: AsyncIterable[stt.SpeechEvent | str],
    judge: TurnEndJudge,
    chat_ctx: Callable[[], llm.ChatContext],
) -> AsyncIterable[stt.SpeechEvent | str]:
    """``events`` unchanged; each final transcript starts the judgement of the user's words so
    far (joined as the framework joins them until the turn ends: ``chat_ctx()`` growing
    means it did)."""
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
                judge.prefetch(ctx)
        yield event
