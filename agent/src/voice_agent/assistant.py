"""The assistant persona: instructions, lifecycle hooks, function tools, and the per-reply
context (date, time, the user's notes) with deterministic answers for clear requests. Every
request to the LLM, and every prefill of its prompt cache, is fitted to the context window
(``context_window.py``)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterable
from typing import Any

from livekit import rtc
from livekit.agents import (
    Agent,
    APIError,
    ConversationItemAddedEvent,
    FlushSentinel,
    ModelSettings,
    RunContext,
    UserInputTranscribedEvent,
    function_tool,
    llm,
    stt,
)
from livekit.agents.llm import ToolError
from livekit.agents.voice.generation import update_instructions

from . import languages
from . import tools as toolbox
from .backchannel import drop_backchannels
from .context_window import ContextWindow, prompt_tokens, tools_tokens
from .hum import HumMeter
from .intents import Intent, match_intent
from .local_models import LlamaCppLLM
from .read_ahead import ReadAhead
from .refusal_repair import unclear_for_refusal
from .settings import AgentSettings
from .state import SessionState
from .tools import Clock, MemoryNotes, NoteStore, NotesUnavailable
from .turn_end_lm import ReplyHold, turn_end_judge
from .turn_joining import join_unanswered

logger = logging.getLogger("voice_agent")

# Words that ask about the present moment. Kept narrow: the time line costs ~30 prompt
# tokens (~0.4 s here) on its turn and the next, so "a clear day" or "days in a week" must
# not bring it in; clear time/date questions never reach the LLM anyway (intents.py).
_TIME_WORDS = re.compile(
    r"\b(time|clock|date|today|tonight|tomorrow|yesterday|now|weekend|"
    r"this (?:morning|afternoon|evening|week|month|year)|(?:what|which) (?:day|month|year))\b",
    re.IGNORECASE,
)
_CONTEXT_NOTE_CHARS = 120  # per note, in the per-reply context
_CONTEXT_CHARS = 600  # all notes together


class Assistant(Agent):
    """``chat_ctx``: the conversation so far, when the room already has one (a rejoin).

    ``state``: the room's metadata (instructions, greeting), the user (name) and the
    transcript recorder (flushed on exit); ``notes``: where ``remember_note`` keeps notes
    (default: this session only); ``clock``: the current time (default: the system clock
    in ``AGENT_TIMEZONE``).
    """

    def __init__(
        self,
        settings: AgentSettings,
        *,
        chat_ctx: llm.ChatContext | None = None,
        state: SessionState | None = None,
        notes: NoteStore | None = None,
        clock: Clock | None = None,
        resumed: bool = False,
    ) -> None:
        self.state = state if state is not None else SessionState()
        room = self.state.room
        super().__init__(
            instructions=room.instructions_for(settings.instructions), chat_ctx=chat_ctx
        )
        returning = chat_ctx is not None and bool(chat_ctx.messages())
        if resumed:  # this agent took over a call whose agent died
            self.greeting = _resume_greeting(settings, chat_ctx)
        else:
            self.greeting = _greeting(settings, self.state, returning=returning)
        self.apology = settings.apology
        self.unclear_reply = settings.unclear_reply
        self.notes: NoteStore = notes if notes is not None else MemoryNotes()
        self.clock: Clock = clock or toolbox.system_clock(settings.timezone)
        self._context_notes = settings.context_notes
        self._offer_tools = settings.llm.offer_tools
        self._ignore_backchannels = settings.turn.ignore_backchannels
        self._window = ContextWindow.from_settings(settings)
        self._flush_timeout_s = settings.backend_timeout_s * 2
        self._recording_notice = settings.recording.notice.strip()
        self._prefill_task: asyncio.Task[None] | None = None
        self._settings = settings
        self._reply_hold: ReplyHold | None = None  # AGENT_TURN__DETECTOR=lm: turn_end_lm.py
        self._read_ahead: ReadAhead | None = None  # the local LLM: read_ahead.py

    async def on_enter(self) -> None:
        recording = self.state.call_recording
        if recording is not None:  # before any of the agent's speech
            await recording.start()  # a failure is logged: the call goes on
            if recording.running and self._recording_notice:  # said first, in the greeting
                self.greeting = f"{self._recording_notice} {self.greeting}"
        # A fixed greeting is spoken at once (no LLM round trip) and enters the history.
        self.session.say(self.greeting, allow_interruptions=True)
        # while it plays, the local model reads the conversation so far (persona, history,
        # greeting) into its prompt cache: the first reply then starts as fast as the others
        self._prefill(llm.ChatMessage(role="assistant", content=[self.greeting]))
        self.session.on("conversation_item_added", self._on_item_added)
        model = self.session.llm
        if isinstance(model, LlamaCppLLM) and not self._offer_tools:
            self._read_ahead = ReadAhead(model, self._read_ahead_request)
            self.session.on("user_input_transcribed", self._on_transcribed)
        known = None if self._read_ahead is None else self._read_ahead.next_tokens
        judge = turn_end_judge(self._settings, model, self.state.room.language, known=known)
        if judge is not None:
            self._reply_hold = ReplyHold(judge, max_delay_s=self._settings.turn.max_delay_s)

    def _on_transcribed(self, ev: UserInputTranscribedEvent) -> None:
        if self._read_ahead is not None:
            self._read_ahead.heard(ev.transcript, final=ev.is_final)

    def _on_item_added(self, ev: ConversationItemAddedEvent) -> None:
        # after each reply, while the user thinks: the reply as it was kept (cut short when
        # interrupted, without this turn's context line) and the next turn's opening go into
        # the cache now, not on the next turn's critical path
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role == "assistant":
            self._prefill(None if self.chat_ctx.get_by_id(ev.item.id) else ev.item)

    def _prefill(self, pending: llm.ChatMessage | None) -> None:
        """Prefill the local LLM's prompt cache with the conversation (and ``pending``, a
        message about to join it); a no-op for remote LLMs or while one is running."""
        prefill = getattr(self.session.llm, "prefill", None)
        if prefill is None or (self._prefill_task is not None and not self._prefill_task.done()):
            return
        ctx = join_unanswered(self.chat_ctx.copy())
        update_instructions(ctx, instructions=self.instructions, add_if_missing=True)
        ctx = self.state.documents.with_documents(ctx)
        tools = list(self.tools) if self._offer_tools else None

        if pending is not None:
            ctx.items.append(pending)
        # cut where the next request will be (the cache is reused up to the first difference)
        ctx = self._window.fit(ctx, extra_tokens=tools_tokens(tools or []))
        self._prefill_task = asyncio.create_task(prefill(ctx, tools))
        self._prefill_task.add_done_callback(_log_prefill_failure)

    async def on_exit(self) -> None:
        self.session.off("conversation_item_added", self._on_item_added)
        if self._read_ahead is not None:
            self.session.off("user_input_transcribed", self._on_transcribed)
            await self._read_ahead.aclose()
        # the transcript so far reaches the backend before the agent goes (a later item
        # restarts the recorder; the job's shutdown callback flushes again)
        if self.state.recorder is not None:
            await self.state.recorder.aflush(timeout_s=self._flush_timeout_s)

    # --- function tools (offered to the LLM; also called directly for clear intents) ---

    @function_tool
    async def get_current_time(self, context: RunContext[Any]) -> str:
        """Get the current date and time. Use it when the user asks what time or day it is."""
        return toolbox.describe_now(self.clock())

    @function_tool
    async def remember_note(self, context: RunContext[Any], text: str) -> str:
        """Save a note for the user, to recall it later.

        Args:
            text: What to remember, as a short sentence.
        """
        try:
            return await toolbox.remember(self.notes, text)
        except NotesUnavailable as e:
            raise ToolError(str(e)) from None

    @function_tool
    async def recall_notes(self, context: RunContext[Any]) -> str:
        """Read back the notes the user asked you to remember."""
        try:
            return await toolbox.recall(self.notes)
        except NotesUnavailable as e:
            raise ToolError(str(e)) from None

    # --- per-reply context and deterministic answers ---

    async def answer_intent(self, intent: Intent) -> str:
        """The spoken answer to a clear request, straight from the tools (no LLM)."""
        now = self.clock()
        try:
            if intent.kind == "time":
                return f"It's {toolbox.spoken_time(now)}."
            if intent.kind == "date":
                return f"Today is {toolbox.spoken_date(now)}."
            if intent.kind == "remember":
                return await toolbox.remember(self.notes, intent.text)
            return await toolbox.recall(self.notes)
        except NotesUnavailable as e:
            return str(e)

    async def reply_context(self, user_text: str) -> str:
        """The facts given to the LLM for one reply: the time when the user's words touch on
        it, and the user's latest notes. Empty when there is nothing to add: every token here
        is evaluated afresh on every turn (~10 ms each on 2 cores), so nothing is added idly."""
        lines: list[str] = []
        if _TIME_WORDS.search(user_text):
            now = self.clock()
            # worded after trying a few on the 0.5B model: with this one it answers time and
            # date questions from the context instead of calling an unrelated tool
            lines.append(
                f"It is now {toolbox.spoken_time(now)} on {toolbox.spoken_date(now)}. "
                "Use this to answer questions about the time or date."
            )
        if self._context_notes:
            try:
                notes = (await self.notes.list())[-self._context_notes :]
            except NotesUnavailable:
                notes = []
            shown: list[str] = []
            used = 0
            for note in reversed(notes):  # newest first, within the budget
                note = note[:_CONTEXT_NOTE_CHARS]
                if used + len(note) > _CONTEXT_CHARS:
                    break
                shown.append(note)
                used += len(note)
            if shown:
                lines.append("Notes the user saved, in their words: " + "; ".join(shown) + ".")
        return " ".join(lines)

    def stt_node(
        self, audio: AsyncIterable[rtc.AudioFrame], model_settings: ModelSettings
    ) -> AsyncIterable[stt.SpeechEvent | str]:
        if not self._ignore_backchannels:
            return Agent.default.stt_node(self, audio, model_settings)
        meter = HumMeter(active=self._replying)  # the caller's audio, only while replying
        events = Agent.default.stt_node(self, meter.tap(audio), model_settings)
        return drop_backchannels(events, replying=self._replying, meter=meter)

    async def on_user_turn_completed(
        self, turn_ctx: llm.ChatContext, new_message: llm.ChatMessage
    ) -> None:
        # voice turns only (a typed message is answered at once)
        if self._reply_hold is not None:
            self._reply_hold.turn_completed(new_message)

    def tts_node(
        self, text: AsyncIterable[str], model_settings: ModelSettings
    ) -> AsyncIterable[rtc.AudioFrame]:
        frames = Agent.default.tts_node(self, text, model_settings)
        return frames if self._reply_hold is None else self._reply_hold.gate(frames)

    def _replying(self) -> bool:
        """A reply is being spoken, paused by the user's voice, or prepared."""
        speech = self.session.current_speech
        return speech is not None and not speech.interrupted and not speech.done()

    async def llm_node(
        self,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        model_settings: ModelSettings,
    ) -> AsyncIterable[llm.ChatChunk | str | FlushSentinel]:
        # Runs for voice turns and typed text alike (on_user_turn_completed skips typed text).
        chat_ctx = join_unanswered(chat_ctx)  # "What is the capital of" … "France?"
        last = chat_ctx.items[-1] if chat_ctx.items else None
        if isinstance(last, llm.FunctionCallOutput):
            # Every tool here returns a sentence to say: say it instead of asking the small
            # model again, which tends to call more tools in a loop rather than answer.
            await self._decide_hold(None)
            yield " ".join(_trailing_outputs(chat_ctx))
            return
        if isinstance(last, llm.ChatMessage) and last.role == "user":
            intent = match_intent(last.text_content or "")
            if intent is not None:
                await self._decide_hold(None)
                yield await self.answer_intent(intent)
                return
        called = False
        offered = tools if self._offer_tools else []
        extra = tools_tokens(offered)
        chat_ctx = await self._reply_request(chat_ctx, extra_tokens=extra)
        # lm: the model reads this very request up to the user's words first (the request
        # then reuses what it read)
        await self._decide_hold(chat_ctx)
        reply = Agent.default.llm_node(self, chat_ctx, offered, model_settings)
        if _is_local(self.session.llm):  # a remote model's refusal is meant: said as is
            reply = unclear_for_refusal(reply, self.unclear_reply)
        try:
            async for chunk in reply:
                if isinstance(chunk, llm.ChatChunk) and chunk.delta and chunk.delta.tool_calls:
                    # one call per reply: the small model's extra calls are noise (and could
                    # save a stray note)
                    calls = [] if called else chunk.delta.tool_calls[:1]
                    called = called or bool(calls)
                    chunk = chunk.model_copy(
                        update={"delta": chunk.delta.model_copy(update={"tool_calls": calls})}
                    )
                yield chunk
        except APIError:
            # every LLM provider failed (the session's error event carries the cause and
            # tells the web page): say so rather than leave the user in silence
            logger.warning("no LLM answered; speaking the apology")
            self._shrink_after_failure(prompt_tokens(chat_ctx, extra_tokens=extra))
            yield " " + self.apology

    async def _reply_request(
        self, chat_ctx: llm.ChatContext, *, extra_tokens: int
    ) -> llm.ChatContext:
        """The request for a reply to ``chat_ctx``: the per-reply context just before the
        user's words, the files the user shared, and the persona and newest turns within the
        context window (``extra_tokens``: the offered tools')."""
        last = chat_ctx.items[-1] if chat_ctx.items else None
        if (
            isinstance(last, llm.ChatMessage)
            and last.role == "user"
            and (context := await self.reply_context(last.text_content or ""))
        ):
            chat_ctx = chat_ctx.copy()
            # for this reply only, just before the user's words (the cached prefix stays valid)
            chat_ctx.insert(
                llm.ChatMessage(role="system", content=[context], created_at=last.created_at - 1e-6)
            )
        chat_ctx = self.state.documents.with_documents(chat_ctx)
        return self._window.fit(chat_ctx, extra_tokens=extra_tokens)

    async def _read_ahead_request(self, words: str) -> llm.ChatContext:
        """The request a reply to ``words`` would be, were they the turn's (``read_ahead.py``):
        as the framework gives ``llm_node`` the conversation, then as ``llm_node`` builds it."""
        ctx = self.chat_ctx.copy()
        ctx.add_message(role="user", content=words)
        ctx = join_unanswered(ctx)
        update_instructions(ctx, instructions=self.instructions, add_if_missing=True)
        return await self._reply_request(ctx, extra_tokens=0)

    async def _decide_hold(self, chat_ctx: llm.ChatContext | None) -> None:
        """``AGENT_TURN__DETECTOR=lm``: whether this reply to a voice turn waits for the user
        to have been silent a while (``turn_end_lm.py``); None: a reply of no model's."""
        if self._reply_hold is not None:
            await self._reply_hold.decide(chat_ctx)

    def _shrink_after_failure(self, sent: int) -> None:
        """After a failed request that was not short: the next ones are at most half its size
        for the rest of the session. The estimate is no tokenizer; a model that refuses a
        prompt as too long (or a chain that fails for any reason) must not fail every later
        turn the same way. Short requests (a quarter of the window) keep the window."""
        if sent <= self._window.tokens // 4:
            return
        smaller = self._window.shrunk(sent)
        if smaller.tokens < self._window.tokens:
            logger.warning(
                "LLM request failed; later requests are kept shorter",
                extra={"estimated_tokens": sent, "window_tokens": smaller.tokens},
            )
            self._window = smaller


def _is_local(model: object) -> bool:
    """Whether ``model`` is the local llama.cpp model (the one with a prompt cache)."""
    return getattr(model, "prefill", None) is not None


def _log_prefill_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.warning("prompt prefill failed", exc_info=error)


def _greeting(settings: AgentSettings, state: SessionState, *, returning: bool) -> str:
    """The room's greeting, else the settings' one; by name when the user's is known. A call
    in another language than English is greeted in it (the catalog's greetings are English)."""
    name = state.user.name
    if (translated := languages.greeting(state.room.language)) is not None:
        return translated
    if returning and name:
        return settings.named_returning_greeting.format(name=name)
    if returning:
        return settings.returning_greeting
    if state.room.greeting:
        return _with_name(state.room.greeting, name) if name else state.room.greeting
    return settings.named_greeting.format(name=name) if name else settings.greeting


def _resume_greeting(settings: AgentSettings, chat_ctx: llm.ChatContext | None) -> str:
    """One short line that shows the call's history survived: the user's last words."""
    said = [m.text_content for m in (chat_ctx.messages() if chat_ctx else []) if m.role == "user"]
    last = next((t.strip() for t in reversed(said) if t and t.strip()), None)
    if last is None:
        return settings.resume_greeting_no_history
    words = last.split()
    short = " ".join(words[:_RESUME_WORDS]) + ("…" if len(words) > _RESUME_WORDS else "")
    return settings.resume_greeting.format(last=short)


_RESUME_WORDS = 12
_SALUTATION = re.compile(r"^(hello|hi|hey)( there)?\s*[!,.]?\s*", re.IGNORECASE)


def _with_name(greeting: str, name: str) -> str:
    """``Hello! What shall we learn?`` -> ``Hello Ada! What shall we learn?``"""
    if "{name}" in greeting:
        return greeting.replace("{name}", name)
    rest = _SALUTATION.sub("", greeting, count=1)
    return f"Hello {name}! {rest}".rstrip()


def _trailing_outputs(chat_ctx: llm.ChatContext) -> list[str]:
    """The outputs of the tool calls made since the last message, oldest first."""
    outputs: list[str] = []
    for item in reversed(chat_ctx.items):
        if isinstance(item, llm.ChatMessage):
            break
        if isinstance(item, llm.FunctionCallOutput) and item.output.strip():
            outputs.append(item.output.strip())
    return outputs[::-1] or ["Sorry, I couldn't do that."]
