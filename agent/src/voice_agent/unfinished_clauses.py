"""Clauses that stop before their end although the last word could end a sentence.

``unfinished_words.py`` reads one word; these rules read the few before it, because the
same last word ends "Do you know what it is?" and leaves "My phone number is" hanging. What
the rules see (bench/quality/turns.py, the fragments Moonshine heard at a pause):

- a copula with no complement: "My phone number is", "The thing I really want is", "Is it
  going to be". Complete when the complement came first: a wh-clause ("Do you know where
  the station is?") or a pronoun right before it ("It is what it is", "Here it is");
- a modal or "do" with no main verb: "Where can I", "How do I", "What time does that"
  (asked with a wh-word: the verb is still to come), "Do you think it will", "I think I
  should" (subject, then the auxiliary last). Complete as a short answer ("Yes, I can"),
  after a subordinator ("if I can", "as soon as you can") and as a yes/no echo with no
  other words ("Can you?"); "be" and "have" are left out ("Where are you?");
- a request with its object missing: "Can you tell me", "Could you tell me how", "Let me
  know when", "Could you please".

Any utterance that starts as an answer ("yes", "no", "sure") is left to the last word alone.
"""

from __future__ import annotations

_ANSWERS = {"yes", "yeah", "yep", "no", "nope", "sure", "okay", "ok", "maybe", "probably"}
_WH = {"what", "what's", "where", "where's", "who", "who's", "whom", "whose", "when",
       "why", "how", "how's", "which", "whatever", "wherever", "whoever"}  # fmt: skip
# words after which a clause with a stranded auxiliary is a complete one ("if I can")
_SUBORDINATORS = _WH | {"if", "whether", "as", "than", "because", "since", "before",
                        "after", "until", "unless", "though", "although", "so"}  # fmt: skip
_SUBJECTS = {"i", "you", "we", "they", "he", "she", "it", "that", "this", "there", "one"}
_COPULAS = {"is", "are", "was", "were", "be", "am"}
# where the complement came before the copula: "Here it is", "That's who they are"
_FRONTED = _SUBJECTS | {"here", "what", "who", "where", "how", "not", "so", "too"}
_MODALS = {"can", "could", "will", "would", "shall", "should", "may", "might", "must"}
_DO = {"do", "does", "did"}
_AUXILIARIES = _MODALS | _DO
_GIVERS = {"tell", "show", "give", "teach", "send"}
_WH_AFTER_REQUEST = _WH - {"whatever", "wherever", "whoever"} | {"if", "whether"}


def ends_mid_clause(words: list[str]) -> bool:
    """Whether the lower-case ``words`` of an utterance stop inside a clause (see above)."""
    if not words or words[0] in _ANSWERS:
        return False
    last, before = words[-1], words[:-1]
    return (
        _copula_without_complement(last, before)
        or _auxiliary_without_verb(last, before)
        or _request_without_object(last, before)
    )


def _copula_without_complement(last: str, before: list[str]) -> bool:
    if last not in _COPULAS or not before or before[-1] in _FRONTED:
        return False
    return not any(word in _WH for word in before)


def _auxiliary_without_verb(last: str, before: list[str]) -> bool:
    # subject last, the auxiliary right before it, asked with a wh-word: "Where can I"
    if len(before) >= 2 and last in _SUBJECTS | {"the", "a"} and before[-1] in _AUXILIARIES:
        return any(word in _WH for word in before[:-1])
    # the auxiliary last, its subject before it: "Do you think it will", "I think I should"
    if last in _MODALS and before and before[-1] in _SUBJECTS:
        clause = before[:-1]
        return bool(clause) and not any(word in _SUBORDINATORS for word in clause)
    return False


def _request_without_object(last: str, before: list[str]) -> bool:
    if last == "please":  # "Could you please"
        return bool(before) and before[-1] == "you"
    if last in {"me", "us"}:  # "Can you tell me"
        return bool(before) and before[-1] in _GIVERS
    if last in _WH_AFTER_REQUEST and len(before) >= 2:  # "Could you tell me how"
        return before[-1] in {"me", "us"} or before[-2:] in (["me", "know"], ["us", "know"])
    return False
