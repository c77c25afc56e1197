"""The grounding check: every number, name and adjective in a review must trace to evidence.

Rules, applied to the text with this CSM's account names and the CSM's own
name masked first:

1. **Numbers.** Every number token (integers, decimals, percentages, ``$``
   amounts with ``k``/``M``, ``4.5/5``, ordinals, dates such as
   ``14 Aug 2026`` or ``2026-Q3``) must be equal, as a string, to a token of
   :attr:`Facts.allowed`, which the one formatter produces from the evidence.
2. **Accounts.** Any name of ``account_universe`` (every account the company
   has) that is not in this CSM's book is a problem; so is any name of
   ``forbidden_names`` (for instance the rest of the team).
3. **Unknown names.** A capitalised word that is not an acronym of our own
   (NRR, QBR, ...), not a month, and, at the start of a sentence or a quote,
   not a word of the phrase vocabulary, is taken for a name nobody vouched
   for; consecutive ones are reported together ("Maria Lopez").
4. **Generic praise.** A phrase such as "trusted advisor" is a problem unless
   a number or one of this CSM's account names follows it in the same sentence.
5. **Length.** The body (heading lines starting with ``#`` excluded) must
   count 400 to 600 words by :func:`count_words`. Fewer words are accepted
   only when ``too_short_reason`` states why (the composer sets it when the
   evidence cannot fill 400 grounded words; it never pads). More than 600 is
   always a problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ...errors import ReportError
from .evidence import ReviewEvidence
from .facts import Facts, derive_facts
from .formatting import NUMBER_RE
from .phrases import SECTION_TITLES, vocabulary

__all__ = [
    "GENERIC_PHRASES",
    "MIN_WORDS",
    "MAX_WORDS",
    "GroundingProblem",
    "NameIndex",
    "count_words",
    "check_grounding",
    "assert_grounded",
]

MIN_WORDS = 400
MAX_WORDS = 600

GENERIC_PHRASES = (
    "trusted advisor",
    "strong relationships",
    "strong relationship",
    "customer-first",
    "customer first",
    "customer-centric",
    "go-to person",
    "go to person",
    "above and beyond",
    "extra mile",
    "team player",
    "rock star",
    "rockstar",
    "true partner",
    "valued partner",
    "great job",
    "excellent work",
    "passionate about",
    "results-driven",
    "world-class",
    "best-in-class",
    "white-glove",
    "highly engaged",
    "consistently delivers",
    "strategic thinker",
    "moves the needle",
    "game changer",
    "game-changer",
    "hit the ground running",
    "wears many hats",
    "deep relationships",
    "valued by customers",
    "key player",
)

_MONTH_WORDS = (
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec January February March April June July "
    "August September October November December"
).split()
_PROPER_WORDS = frozenset(
    ["NRR", "GRR", "ARR", "QBR", "EBR", "NPS", "CSAT", "AI", "CSM", "SLA", "I", *_MONTH_WORDS]
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"”])\s+|\n\s*")
# Masks are lower-case words so the name scan passes over them and error messages stay readable.
_ACCOUNT_MASK = "[account]"
_PERSON_MASK = "[csm]"


@dataclass(frozen=True)
class GroundingProblem:
    """One ungrounded item: ``kind`` is number, account, name, generic_phrase or length."""

    kind: str
    token: str
    sentence: str
    message: str

    def __str__(self) -> str:
        return self.message


def count_words(text: str) -> int:
    """Words of the body: whitespace-separated tokens with a letter or digit.

    Lines starting with ``#`` (section headings) are not counted; ``$1.2M``,
    ``14`` ``Aug`` ``2026`` and ``red-to-green`` count as 1, 3 and 1 words.
    """
    total = 0
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        total += sum(1 for tok in line.split() if any(ch.isalnum() for ch in tok))
    return total


@functools.lru_cache(maxsize=8192)
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])")


_TOKEN_RE = re.compile(r"\w+")


class NameIndex:
    """Names to look for in a text, built once per run and searched in one pass per text.

    The names are indexed by their first word, so finding every one of
    60,000 account names in a paragraph costs one scan of its words plus a
    dictionary lookup per word, not 60,000 regular expressions. A candidate is
    confirmed as the exact name standing between word boundaries (as the
    single-name pattern would). Names that are ordinary words of the review's
    own vocabulary (an account called "Engagement", a CSM called "Health")
    are left out: the composer writes those words itself, so seeing them
    proves nothing about a leak, and they must not fail a review.
    """

    def __init__(self, names: Iterable[str]):
        vocab = vocabulary() | {t.lower() for t in SECTION_TITLES}
        by_first: dict[str, list[tuple[str, int, int]]] = {}
        loose: list[str] = []
        for name in sorted({str(n) for n in names if str(n).strip()}, key=len, reverse=True):
            if name.strip().lower() in vocab:
                continue
            parts = _TOKEN_RE.findall(name)
            if not parts:
                loose.append(name)
                continue
            lead = _TOKEN_RE.search(name).start()
            by_first.setdefault(parts[0], []).append((name, lead, len(parts)))
        self._by_first = by_first
        self._loose = tuple(loose)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values()) + len(self._loose)

    def find(self, text: str, *, exclude: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, int]]:
        """``(name, position)`` of every indexed name in ``text`` (longest first at a position), minus ``exclude``."""
        hits: list[tuple[str, int]] = []
        for match in _TOKEN_RE.finditer(text):
            for name, lead, _ in self._by_first.get(match.group(0), ()):
                if name in exclude:
                    continue
                at = match.start() - lead
                end = at + len(name)
                if at < 0 or text[at:end] != name:
                    continue
                if (at > 0 and _is_word_char(text[at - 1])) or (end < len(text) and _is_word_char(text[end])):
                    continue
                hits.append((name, at))
        for name in self._loose:
            if name not in exclude:
                hit = _name_pattern(name).search(text)
                if hit:
                    hits.append((name, hit.start()))
        return hits


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _as_index(names: "Iterable[str] | NameIndex") -> NameIndex:
    return names if isinstance(names, NameIndex) else NameIndex(names)


def _body(text: str) -> str:
    titles = {t.lower() for t in SECTION_TITLES}
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip().lower() in titles:
            continue
        lines.append(line)
    return "\n".join(lines)


def _mask(text: str, evidence: ReviewEvidence) -> str:
    people = {evidence.csm_name.strip(), *evidence.csm_name.split()}
    names = [(n, _ACCOUNT_MASK) for n in evidence.account_names] + [(p, _PERSON_MASK) for p in people if p]
    for name, mask in sorted(names, key=lambda item: -len(item[0])):
        # "Acme Inc." may end a sentence: keep its full stop so the sentence split still sees it.
        text = _name_pattern(name).sub(mask + ("." if name.endswith(".") else ""), text)
    return text


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def _is_proper(word: str) -> bool:
    base = word.replace("’", "'").split("'")[0]
    candidates = {base, base.rstrip("s"), base.split("-")[0]}
    return any(c in _PROPER_WORDS for c in candidates)


def _unknown_names(sentence: str) -> list[str]:
    vocab = vocabulary()
    runs: list[list[str]] = []
    last_end = None
    first = True
    for match in _WORD_RE.finditer(sentence):
        word = match.group(0)
        before = sentence[: match.start()].rstrip()
        initial = first or before.endswith(('"', "“", "("))
        first = False
        if not word[0].isupper() or _is_proper(word):
            last_end = None
            continue
        if initial and word.lower().replace("’", "'") in vocab:
            last_end = None
            continue
        gap = sentence[last_end : match.start()] if last_end is not None else None
        if gap is not None and gap.strip() == "" and runs:
            runs[-1].append(word)
        else:
            runs.append([word])
        last_end = match.end()
    return [" ".join(run) for run in runs]


def _generic_without_evidence(sentence: str) -> list[str]:
    lowered = sentence.lower()
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for phrase in sorted(GENERIC_PHRASES, key=len, reverse=True):  # "strong relationships" before "... relationship"
        start = lowered.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            rest = sentence[end:]
            overlaps = any(a < end and start < b for a, b in spans)
            if not overlaps and not (NUMBER_RE.search(rest) or _ACCOUNT_MASK in rest):
                found.append(phrase)
                spans.append((start, end))
                break
            start = lowered.find(phrase, start + 1)
    return found


def check_grounding(
    text: str,
    evidence: ReviewEvidence,
    *,
    too_short_reason: str | None = None,
    account_universe: "Iterable[str] | NameIndex" = (),
    forbidden_names: "Iterable[str] | NameIndex" = (),
    check_length: bool = True,
    facts: Facts | None = None,
) -> list[GroundingProblem]:
    """Every ungrounded number, foreign or unknown name, bare generic phrase and length breach.

    Parameters
    ----------
    text : the narrative (markdown with ``## `` section headings) or any review text.
    evidence : the evidence the text must be grounded in.
    too_short_reason : the composer's reason for a text under 400 words; when
        given and non-empty, a short text is accepted.
    account_universe : every account name of the company (names, or a
        :class:`NameIndex` built once per run); names outside this CSM's book
        are problems.
    forbidden_names : names that must never appear (other CSMs), names or a
        :class:`NameIndex`; this CSM's own name is never one.
    check_length : False for short pieces (strengths, plan items, one sentence).
    facts : the evidence's facts if already derived (saves deriving them again).

    Returns
    -------
    list of GroundingProblem, empty when the text is grounded.
    """
    facts = facts if facts is not None else derive_facts(evidence)
    problems: list[GroundingProblem] = []
    body = _body(text)
    masked = _mask(body, evidence)
    sentences = _sentences(masked)

    def sentence_of(pos: int) -> str:
        start = max(masked.rfind(". ", 0, pos), masked.rfind("\n", 0, pos))
        end_candidates = [i for i in (masked.find(". ", pos), masked.find("\n", pos)) if i >= 0]
        end = min(end_candidates) if end_candidates else len(masked)
        return masked[start + 1 : end + 1].strip()

    own = frozenset(set(evidence.account_names) | {evidence.csm_name})
    for kind, names in (("account", account_universe), ("name", forbidden_names)):
        seen: set[str] = set()
        for name, at in _as_index(names).find(masked, exclude=own):
            if name in seen:
                continue
            seen.add(name)
            what = "an account outside this CSM's book" if kind == "account" else "a name that must not appear"
            problems.append(GroundingProblem(kind, name, sentence_of(at), f'"{name}" is {what}.'))

    for hit in NUMBER_RE.finditer(masked):
        token = hit.group(0)
        if token not in facts.allowed:
            problems.append(
                GroundingProblem(
                    "number",
                    token,
                    sentence_of(hit.start()),
                    f'The number "{token}" matches no value in the evidence for {evidence.csm_name}.',
                )
            )

    for sentence in sentences:
        for name in _unknown_names(NUMBER_RE.sub("#", sentence)):
            problems.append(
                GroundingProblem(
                    "name",
                    name,
                    sentence,
                    f'"{name}" looks like a name but is neither one of this CSM\'s accounts nor the CSM.',
                )
            )
        for phrase in _generic_without_evidence(sentence):
            problems.append(
                GroundingProblem(
                    "generic_phrase",
                    phrase,
                    sentence,
                    f'"{phrase}" is not followed by a number or an account name in the same sentence.',
                )
            )

    if check_length:
        n = count_words(body)
        if n > MAX_WORDS:
            problems.append(GroundingProblem("length", str(n), "", f"The text has {n} words; at most {MAX_WORDS}."))
        elif n < MIN_WORDS and not (too_short_reason and too_short_reason.strip()):
            problems.append(
                GroundingProblem(
                    "length",
                    str(n),
                    "",
                    f"The text has {n} words; at least {MIN_WORDS}, or a stated too_short_reason.",
                )
            )
    return problems


def assert_grounded(text: str, evidence: ReviewEvidence, **options) -> None:
    """Raise :class:`ReportError` listing every problem :func:`check_grounding` finds.

    ``options`` are the keyword options of :func:`check_grounding`.
    """
    problems = check_grounding(text, evidence, **options)
    if problems:
        lines = "\n".join(f"  - {p.message}" + (f' (in: "{p.sentence}")' if p.sentence else "") for p in problems)
        raise ReportError(
            f"The review draft for {evidence.csm_name} ({evidence.period_label}) is not grounded in its "
            f"evidence; {len(problems)} problem(s):\n{lines}\n"
            "Edit the text so every number, account and claim comes from the evidence, or fix the evidence."
        )
