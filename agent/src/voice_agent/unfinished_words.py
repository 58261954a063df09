"""``AGENT_TURN__DETECTOR=words``: hold the turn when the words so far cannot end a sentence.

A caller who pauses after "What is the capital of", "Can you remind me to" or "I need a
table for, um" has not finished, whatever the silence says. The last word tells: an
article, a possessive, a conjunction, most prepositions and the fillers ("um", "uh") do not
end an English sentence. Such a transcript gets P(end of turn) 0, and the framework waits
``turn.max_delay_s`` after the speech for the caller to go on (as for the ``eot`` model's "not
finished"); any other gets 1 and the turn ends after ``turn.min_delay_s``, as with ``vad``.
A clause cut before its end on a word that could end a sentence ("My phone number is",
"Where can I") is held too: ``unfinished_clauses.py`` reads the words before the last.

Cheap (a set lookup, no model) and predictable, unlike the audio model, which made half the
complete questions wait. The cost: a question that really ends on a preposition ("Where are
you from?") waits ``max_delay_s`` too. English only (other languages: the VAD alone).
"""

from __future__ import annotations

import re

from livekit.agents import llm
from livekit.agents.language import LanguageCode

from .unfinished_clauses import ends_mid_clause

UNFINISHED = 0.0
FINISHED = 1.0
_THRESHOLD = 0.5

# Words after which an English sentence goes on. Left out on purpose, as they often end a
# complete one: this/that/these/those ("What is that?"), is/are ("I wonder what it is"),
# like ("What is it like?"), so ("I think so"), though, too, some/any ("Do you have any?").
_ARTICLES = {"a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "every"}
_CONJUNCTIONS = {"and", "but", "or", "nor", "because", "if", "than", "unless", "whether"}
# fmt: off
_PREPOSITIONS = {
    "of", "to", "in", "on", "at", "for", "with", "about", "from", "into", "onto", "by",
    "between", "through", "toward", "towards", "during", "until", "upon",
}
# fmt: on
_FILLERS = {"um", "uh", "er", "erm", "uhm", "umm", "uhh"}
UNFINISHED_WORDS = frozenset(_ARTICLES | _CONJUNCTIONS | _PREPOSITIONS | _FILLERS)

_WORD = re.compile(r"[a-z']+")


def ends_unfinished(text: str) -> bool:
    """Whether ``text`` stops on a word an English sentence does not end with, or inside a
    clause (``unfinished_clauses.py``: "My phone number is", "Where can I"). A final question
    mark or full stop from the STT does not count (both STTs add one to fragments)."""
    words = _WORD.findall(text.lower())
    return bool(words) and (words[-1] in UNFINISHED_WORDS or ends_mid_clause(words))


class UnfinishedWordsDetector:
    """The framework's text turn detector protocol (``voice.turn._TurnDetector``) over the
    user's transcript so far."""

    @property
    def model(self) -> str:
        return "unfinished-words"

    @property
    def provider(self) -> str:
        return "voice-agent"

    async def unlikely_threshold(self, language: LanguageCode | None) -> float | None:
        return _THRESHOLD

    async def supports_language(self, language: LanguageCode | None) -> bool:
        return language is None or str(language).lower().startswith("en")

    async def predict_end_of_turn(
        self, chat_ctx: llm.ChatContext, *, timeout: float | None = None
    ) -> float:
        for item in reversed(chat_ctx.items):
            if isinstance(item, llm.ChatMessage) and item.role == "user":
                return UNFINISHED if ends_unfinished(item.text_content or "") else FINISHED
        return FINISHED
