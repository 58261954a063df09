"""Transcribe during the end-of-speech silence wait, so the transcript is ready when the
VAD closes the utterance.

The framework's ``stt.StreamAdapter`` (what a non-streaming STT like Moonshine runs in)
transcribes an utterance only after the VAD has seen ``min_silence_s`` of silence: the
turn then waits for the VAD *and* the transcription, one after the other. This adapter
starts transcribing the speech heard so far once the silence has lasted
``speculate_after_s`` (shorter than the VAD's wait). When the VAD then ends the utterance
with no speech since, that transcript is used as is; if the user spoke again, it is
dropped and the whole utterance is transcribed as before. Same events, same text: only
sooner (by about one transcription time, 0.07-0.15 s here). The guess also goes out as an
interim transcript as soon as it is ready.

With ``partial_every_s``, the speech so far is also transcribed every that many seconds of
speech while the user talks (one transcription at a time), each sent as an interim
transcript: the page shows the words as they come, and the agent reads them into the local
LLM's prompt cache before the turn ends (``read_ahead.py``). These never become the final
transcript, and are made only when the engine is otherwise idle (``LocalSTT.try_transcribe``;
the model host's rule is in ``model_host/server.py``): when it is busy they are skipped,
never queued before a turn's transcript.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

from livekit import rtc
from livekit.agents import stt, utils, vad
from livekit.agents.stt.stream_adapter import StreamAdapterWrapper
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

from .log import logger
from .stt import LocalSTT, to_mono_float


class UtteranceLost(RuntimeError):
    """A turn's transcription failed: that utterance is dropped, the call listens on (the
    session's recoverable STT error; the page tells the user to say it again)."""


class SpeculativeStreamAdapter(stt.StreamAdapter):
    def __init__(
        self,
        *,
        stt: stt.STT[Any],
        vad: vad.VAD,
        speculate_after_s: float,
        partial_every_s: float = 0.0,
    ) -> None:
        """``partial_every_s``: seconds of speech between transcripts made while the user
        talks (0: none)."""
        super().__init__(stt=stt, vad=vad)
        self.speculate_after_s = speculate_after_s
        self.partial_every_s = partial_every_s
        # each guess is also sent as an interim transcript (the page shows it; the agent
        # can start reading it into the LLM's prompt cache before the turn is committed)
        self._capabilities = dataclasses.replace(self._capabilities, interim_results=True)

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        return _SpeculativeStream(
            self,
            vad=self._vad,
            wrapped_stt=self._stt,
            language=language,
            conn_options=conn_options,
            speculate_after_s=self.speculate_after_s,
            partial_every_s=self.partial_every_s,
        )


class _Utterance:
    """The speech of the utterance in progress, and the speculative transcription of it."""

    def __init__(self, frames: list[rtc.AudioFrame]) -> None:
        self.frames = list(frames)
        self.speech_epoch = 0  # bumped whenever speech is heard again after a silence
        self.guess: asyncio.Task[stt.SpeechEvent | None] | None = None
        self.guess_epoch = -1
        self.speech_s = 0.0  # the VAD's windows of speech so far
        self.partial: asyncio.Task[stt.SpeechEvent | None] | None = None
        self.partial_at_s = 0.0  # speech_s when the last partial transcript was started
        self.shown = 0  # the frames the last interim transcript was made of
        self.ended = False

    def transcribing(self) -> bool:
        return any(task is not None and not task.done() for task in (self.guess, self.partial))


class _SpeculativeStream(StreamAdapterWrapper):
    def __init__(
        self, *args: object, speculate_after_s: float, partial_every_s: float, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._speculate_after_s = speculate_after_s
        self._partial_every_s = partial_every_s

    async def _transcribe(self, frames: list[rtc.AudioFrame]) -> stt.SpeechEvent:
        return await self._wrapped_stt.recognize(
            buffer=utils.merge_frames(frames),
            language=self._language,
            conn_options=self._wrapped_stt_conn_options,
        )

    async def _transcribe_if_free(self, frames: list[rtc.AudioFrame]) -> stt.SpeechEvent | None:
        """A transcript of the speech so far, made only if the engine is free (None if not):
        it must never delay a turn's transcript, this call's or another's on the host. Off
        the framework's request path: a refusal is not an STT error, nor a request to meter."""
        engine = self._wrapped_stt
        if not isinstance(engine, LocalSTT):
            return await self._transcribe(frames)
        pcm = to_mono_float(utils.merge_frames(frames))
        text = await asyncio.to_thread(engine.try_transcribe, pcm)
        return None if text is None else engine.speech_event(text)

    async def _run(self) -> None:
        vad_stream = self._vad.stream()

        async def forward_input() -> None:
            async for frame in self._input_ch:
                if isinstance(frame, self._FlushSentinel):
                    vad_stream.flush()
                    continue
                vad_stream.push_frame(frame)
            vad_stream.end_input()

        async def recognize() -> None:
            utterance: _Utterance | None = None
            async for event in vad_stream:
                if event.type == vad.VADEventType.START_OF_SPEECH:
                    # its frames: the speech buffer so far, prefix padding included
                    utterance = _Utterance(event.frames)
                    self._event_ch.send_nowait(stt.SpeechEvent(stt.SpeechEventType.START_OF_SPEECH))
                elif event.type == vad.VADEventType.INFERENCE_DONE and utterance is not None:
                    self._on_window(utterance, event)
                elif event.type == vad.VADEventType.END_OF_SPEECH:
                    speech_end_time = (
                        time.time() - event.silence_duration - event.inference_duration
                    )
                    self._event_ch.send_nowait(
                        stt.SpeechEvent(
                            type=stt.SpeechEventType.END_OF_SPEECH, speech_end_time=speech_end_time
                        )
                    )
                    if utterance is not None:
                        utterance.ended = True
                    ended, utterance = utterance, None
                    try:
                        result = await self._final(ended, event.frames)
                    except Exception as e:
                        self._lost(e)
                        continue
                    if result.alternatives and result.alternatives[0].text:
                        self._event_ch.send_nowait(
                            stt.SpeechEvent(
                                type=stt.SpeechEventType.FINAL_TRANSCRIPT,
                                alternatives=[result.alternatives[0]],
                                speech_end_time=result.speech_end_time or speech_end_time,
                            )
                        )

        tasks = [
            asyncio.create_task(forward_input(), name="forward_input"),
            asyncio.create_task(recognize(), name="recognize"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            await utils.aio.cancel_and_wait(*tasks)
            await vad_stream.aclose()

    def _lost(self, error: Exception) -> None:
        """A turn's transcription failed (the model host overloaded or gone, its retries
        spent): that utterance is lost, not the call's hearing. Raised from here, the error
        would end this stream, and the framework does not start another."""
        cause = f"{type(error).__name__}: {error}"
        logger.warning(
            "transcription failed: the utterance is dropped, the call goes on",
            extra={"error": cause},
        )
        lost = UtteranceLost(cause)
        lost.__cause__ = error
        self._emit_error(lost, recoverable=True)

    def _on_window(self, utterance: _Utterance, event: vad.VADEvent) -> None:
        """One VAD window (~32 ms) inside the utterance: keep its audio; guess on silence,
        transcribe the speech so far every ``partial_every_s`` of speech."""
        utterance.frames.extend(event.frames)
        silence = event.raw_accumulated_silence
        if silence == 0.0:
            utterance.speech_epoch += 1
            if self._partial_every_s <= 0:
                return
            utterance.speech_s += sum(frame.duration for frame in event.frames)
            if (
                utterance.speech_s - utterance.partial_at_s >= self._partial_every_s
                and not utterance.transcribing()
            ):
                utterance.partial_at_s = utterance.speech_s
                utterance.partial = self._interim(utterance, guess=False)
        elif silence >= self._speculate_after_s and utterance.guess_epoch != utterance.speech_epoch:
            utterance.guess_epoch = utterance.speech_epoch
            utterance.guess = self._interim(utterance, guess=True)

    def _interim(
        self, utterance: _Utterance, *, guess: bool
    ) -> asyncio.Task[stt.SpeechEvent | None]:
        """The transcription of the utterance so far, sent as an interim transcript. A guess
        may become the final transcript; a partial one is made only if the engine is free."""
        frames = list(utterance.frames)
        transcribe = self._transcribe if guess else self._transcribe_if_free
        task: asyncio.Task[stt.SpeechEvent | None] = asyncio.create_task(transcribe(frames))
        task.add_done_callback(_retrieve)
        task.add_done_callback(lambda done: self._send_interim(utterance, done, len(frames), guess))
        return task

    def _send_interim(
        self,
        utterance: _Utterance,
        task: asyncio.Task[stt.SpeechEvent | None],
        frames: int,
        guess: bool,
    ) -> None:
        if task.cancelled() or task.exception() is not None or (result := task.result()) is None:
            return  # failed, or refused by a busy engine
        if guess and (
            utterance.guess is not task or utterance.guess_epoch != utterance.speech_epoch
        ):
            return  # the user spoke again since
        if not guess and utterance.ended:
            return  # the final transcript is on its way: a partial one would come after it
        if frames <= utterance.shown:  # older than what was shown
            return
        utterance.shown = frames
        if result.alternatives and result.alternatives[0].text:
            self._event_ch.send_nowait(
                stt.SpeechEvent(
                    type=stt.SpeechEventType.INTERIM_TRANSCRIPT,
                    alternatives=[result.alternatives[0]],
                )
            )

    async def _final(
        self, utterance: _Utterance | None, frames: list[rtc.AudioFrame]
    ) -> stt.SpeechEvent:
        if utterance is not None and utterance.guess is not None:
            if utterance.guess_epoch == utterance.speech_epoch:
                try:
                    if (guessed := await utterance.guess) is not None:
                        return guessed
                except Exception:
                    pass  # transcribe the whole utterance below, as without a guess
            else:
                utterance.guess.cancel()
        return await self._transcribe(frames)


def _retrieve(task: asyncio.Task[stt.SpeechEvent | None]) -> None:
    # a dropped guess's failure is not an error: the utterance is transcribed again
    if not task.cancelled():
        task.exception()
