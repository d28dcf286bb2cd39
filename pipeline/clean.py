"""Text repair shared by all readers: Unicode normalisation, invisible characters, whitespace."""

from __future__ import annotations

import re
import unicodedata

# Characters that carry no text but break tokens: soft hyphen, zero-width space/joiners, BOM;
# and control characters (C0 but tab and line breaks, DEL, C1), which some PDFs' fonts map to.
_INVISIBLE = dict.fromkeys(
    [
        *map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"),
        *range(0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        *range(0x7F, 0xA0),
    ],
    None,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalize_unicode(text: str) -> str:
    """NFKC (splits ligatures such as 'ﬁ'), drops invisible and control characters (a carriage
    return becomes a line break), unifies spaces."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Invisibles go first: one between a letter and its combining mark would otherwise leave a
    # pair that NFKC composes only on a second pass (cleaning must be idempotent).
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return _SPACES.sub(" ", text)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


# Words that keep their hyphen when a line break falls right after it: e-government,
# good-governance, non-profit, pasca-reformasi... Joining them would invent words.
HYPHEN_PREFIXES = frozenset(
    "e m good non multi self anti pasca pra post pre co cross well long short high low inter intra "
    "socio sosio ex semi quasi neo pro all half mid over under top bottom open end real full "
    "large small top-down bottom-up public private".split()
)
_VOWEL = re.compile(r"[aeiouyAEIOUY]")


def keep_hyphen(left: str, right: str, known: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether ``left-`` at the end of a line followed by ``right`` is a real hyphen.

    ``left``/``right`` are the word fragments on either side (letters only at the seam).
    Real hyphens: reduplication (kebijakan-kebijakan, hal-hal), known prefixes (e-government),
    a capitalised or numeric second half (Indonesia-Australia, COVID-19), and hyphenated forms
    the document itself uses elsewhere (``known``: lowercase words seen with a hyphen mid-line).
    """
    if not left or not right:
        return True
    if not right[0].islower():
        return True
    low_l, low_r = left.lower(), right.lower()
    if low_l == low_r or low_r.startswith(low_l + "-"):
        return True
    if low_l in HYPHEN_PREFIXES or any(c.isdigit() for c in left + right):
        return True
    if f"{low_l}-{low_r}" in known:
        return True
    # Syllable fragments carry a vowel; a fragment with none (e.g. an abbreviation) keeps its hyphen.
    joined = low_l + low_r
    return not (_VOWEL.search(low_r) or low_r.startswith(("ng", "ny"))) or len(joined) > 40


def join_hyphenated(left_line: str, right_line: str, known: set[str] | frozenset[str] = frozenset()) -> str:
    """Join two lines where ``left_line`` ends in a hyphen: word joined, or hyphen kept, no space."""
    m = re.search(r"([^\W\d_]*)[-\u2010\u2011\u00ad]$", left_line)
    n = re.match(r"([^\W\d_][\w-]*)", right_line)
    left_word = m.group(1) if m else ""
    right_word = n.group(1) if n else ""
    if keep_hyphen(left_word, right_word.split("-")[0] if right_word else "", known):
        if left_line.endswith("\u00ad"):
            left_line = left_line[:-1] + "-"
        return left_line + right_line
    return left_line[:-1] + right_line
