"""Words as buyers type them and as the catalog writes them: tokens, a light Indonesian stemmer and typo distance.

Shared by every search backend, so that "pedasnya" meets "pedas" and "kopii" meets "kopi" the same way
whichever engine answers.
"""

import re

from django.utils.html import strip_tags

# Words, numbers and codes such as "KPI-001"; everything else is syntax to some backend, not a word to a buyer.
TERM = re.compile(r"\w+(?:[-./]\w+)*")
MAX_QUERY_LENGTH = 100
MAX_QUERY_TERMS = 8

# Particles and possessives come off first, then one derivational suffix: "pedasnya" -> "pedas",
# "makanannya" -> "makan". Prefixes stay: stripping "ke-"/"me-" from short words ("keripik", "kerupuk")
# joins unrelated words, while buyers rarely type a prefixed form of a product word.
PARTICLES = ("lah", "kah", "tah", "pun")
POSSESSIVES = ("nya", "ku", "mu")
SUFFIXES = ("kan", "an", "i")
# A stem shorter than this is more likely a different word than a root ("kopi" is not "kop" + "-i").
MIN_STEM = 4


def normalize_query(raw):
    """The terms worth searching for in what the buyer typed, joined by single spaces."""
    return " ".join(TERM.findall(raw[:MAX_QUERY_LENGTH])[:MAX_QUERY_TERMS])


def query_terms(raw):
    return [term.lower() for term in TERM.findall(raw[:MAX_QUERY_LENGTH])[:MAX_QUERY_TERMS]]


def words(text):
    """The lower-case words of a text (rich text as plain text); codes such as "demo-008" stay whole."""
    text = strip_tags(text or "").lower()
    found = []
    for token in TERM.findall(text):
        found.append(token)
        if any(sep in token for sep in "-./"):
            found += [part for part in re.split(r"[-./]", token) if part]
    return found


def stem(word):
    for endings in (PARTICLES, POSSESSIVES, SUFFIXES):
        for ending in endings:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                break
    return word


def deletes(word):
    """The word and every form of it with one letter left out: two words within one typo share one of these."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_typo(a, b):
    """True when one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def typo_allowed(word):
    # One typo in a three-letter word reaches too many other words ("teh" -> "tas", "the"...).
    return len(word) >= 4 and not word.isdigit()
