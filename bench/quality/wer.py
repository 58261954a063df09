"""Word error rate: both texts normalised the same way, then a word-level Levenshtein
alignment (substitutions + deletions + insertions over the reference's word count).

Normalisation: lower case; curly quotes straight; contractions spelled out ("what's" ->
"what is", "don't" -> "do not"); a few British spellings as American; digits as words
("10" -> "ten", "3.5" -> "three point five", "2nd" -> "second", "25%" -> "twenty five
percent"); hyphens and other punctuation as spaces. The speech recogniser may write "10"
where the reference says "ten", "What's" where it says "What is": neither is a mishearing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"))
_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "let's": "let us",
}
# "'s" is "is" only after these (elsewhere it is a possessive: "france's")
_IS_AFTER = {"what", "it", "that", "there", "here", "who", "where", "how", "he", "she", "when"}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ll", " will"), ("'ve", " have"))
_SPELLING = {
    "colour": "color",
    "colours": "colors",
    "favourite": "favorite",
    "okay": "ok",
    "centre": "center",
    "metres": "meters",
    "metre": "meter",
    "grey": "gray",
}
_ELISION = re.compile(r"\b[dl]'(?=[a-z])")
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*)(?:\.(\d+))?(st|nd|rd|th|%)?(?![\w])")


def number_words(n: int) -> str:
    """``n`` (0 or more) in words, without "and": 212 -> "two hundred twelve"."""
    if n < 0:
        raise ValueError("negative numbers are not spelled")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{number_words(high)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def ordinal_words(n: int) -> str:
    """``n`` as an ordinal in words: 21 -> "twenty first"."""
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINALS:
        words[-1] = _ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _spell_number(m: re.Match[str]) -> str:
    digits = m.group(1).replace(",", "")
    if not digits:
        return m.group(0)
    whole = int(digits)
    suffix = m.group(3) or ""
    if suffix in ("st", "nd", "rd", "th") and m.group(2) is None:
        return f" {ordinal_words(whole)} "
    words = number_words(whole)
    if m.group(2) is not None:
        words += " point " + " ".join(_ONES[int(d)] for d in m.group(2))
    if suffix == "%":
        words += " percent"
    return f" {words} "


def _expand(word: str) -> str:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if word.endswith("'s") and word[:-2] in _IS_AFTER:
        return word[:-2] + " is"
    for ending, full in _SUFFIXES:
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)] + full
    if word.endswith("'d") and len(word) > 2:
        return word[:-2] + " would"
    return word


def normalise(text: str) -> list[str]:
    """The words of ``text`` as WER compares them."""
    text = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))  # musée -> musee
    text = _ELISION.sub("", text)  # d'orsay -> orsay
    text = _NUMBER.sub(_spell_number, text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)  # hyphens, dashes and punctuation
    words: list[str] = []
    for raw in text.split():
        word = raw.strip("'")
        if not word:
            continue
        for part in _expand(word).split():
            part = part.replace("'", "") if part.endswith("'s") else part
            words.append(_SPELLING.get(part, part))
    return words


@dataclass(frozen=True, slots=True)
class Alignment:
    """The edits that turn the reference into the hypothesis; ``errors``: the pairs
    (reference word, hypothesis word) that differ, "" for a missing side."""

    reference_words: int
    substitutions: int
    deletions: int
    insertions: int
    errors: tuple[tuple[str, str], ...] = field(default=())

    @property
    def edits(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Edits over reference words (an empty reference: 0 without insertions, else 1)."""
        if self.reference_words == 0:
            return 0.0 if self.insertions == 0 else 1.0
        return self.edits / self.reference_words


def align(reference: list[str], hypothesis: list[str]) -> Alignment:
    """Levenshtein alignment on words (each edit costs 1), with one optimal edit path."""
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            same = reference[i - 1] == hypothesis[j - 1]
            cost[i][j] = min(
                cost[i - 1][j - 1] + (0 if same else 1),
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
            )
    subs = dels = ins = 0
    errors: list[tuple[str, str]] = []
    i, j = rows - 1, cols - 1
    while i > 0 or j > 0:
        # on a tie: a match, then a deletion or insertion, then a substitution (so a
        # dropped word reads as dropped, not as a chain of substitutions)
        if (
            i > 0
            and j > 0
            and reference[i - 1] == hypothesis[j - 1]
            and cost[i][j] == cost[i - 1][j - 1]
        ):
            i, j = i - 1, j - 1
            continue
        if i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            dels += 1
            errors.append((reference[i - 1], ""))
            i -= 1
        elif j > 0 and cost[i][j] == cost[i][j - 1] + 1:
            ins += 1
            errors.append(("", hypothesis[j - 1]))
            j -= 1
        else:
            subs += 1
            errors.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
    return Alignment(len(reference), subs, dels, ins, tuple(reversed(errors)))


def word_errors(reference: str, hypothesis: str) -> Alignment:
    return align(normalise(reference), normalise(hypothesis))


def pooled_wer(alignments: Iterable[Alignment]) -> float:
    """All edits over all reference words (long references weigh more, as in ASR papers)."""
    items = list(alignments)
    words = sum(a.reference_words for a in items)
    edits = sum(a.edits for a in items)
    return edits / words if words else 0.0
