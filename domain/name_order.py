"""Where a customer's name goes in "Name (A–Z)": by family name, as a German office files.

A customer's name is one field, so the family name is inferred, by these rules:

1. "Müller, Anna": what stands before the first comma is the family name.
2. A name with a legal form or a digit ("Bäckerei Schmidt GmbH", "Schmidt & Co. KG",
   "Praxis 3") is an organisation's: it is filed under its whole name, as written.
3. Otherwise the last word is the family name, and the words before it follow it:
   "Anna Müller" is filed as "Müller Anna". Particles ("von", "van der", "de") are
   not part of the family name for the order (DIN 5007-2): "Johann Wolfgang von Goethe"
   is filed under G, as "Goethe Johann Wolfgang von". A trailing generation suffix
   ("jr.", "sen.", "II") is not the family name either. A hyphenated family name is one
   word ("Müller-Lüdenscheidt"). Words without a letter (an emoji, a dash) are left out:
   "Jürgen Müller 🙂" is filed under M.
4. Letters compare without case and accents (DIN 5007-1): "Ärger" sits with "Arger",
   "Straße" with "Strasse".
"""

from __future__ import annotations

import re
import unicodedata

# Legal forms and other words that make a name an organisation's (compared case-folded,
# without dots).
_ORGANISATION_WORDS = frozenset(
    {
        *("gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ug", "ev", "eg", "se", "partg"),
        *("partgmbb", "ltd", "inc", "llc", "plc", "co", "&", "stiftung", "verein", "gesellschaft"),
    }
)
_SUFFIXES = frozenset({"jr", "jun", "sr", "sen", "ii", "iii", "iv"})


def folded(text: str) -> str:
    """Case-folded, accents removed, blanks collapsed: what the order compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def _bare(word: str) -> str:
    return word.casefold().replace(".", "")


def filing_name(name: str) -> str:
    """The name as it is filed: family name first (see the module's rules)."""
    if "," in name:
        family, _, given = name.partition(",")
        return f"{family.strip()} {given.strip()}".strip()
    if re.search(r"\d", name) or any(_bare(w) in _ORGANISATION_WORDS for w in name.split()):
        return name
    words = [w for w in name.split() if any(c.isalpha() for c in w)]
    if len(words) < 2:
        return name
    while len(words) > 2 and _bare(words[-1]) in _SUFFIXES:
        words = words[:-1]
    return " ".join([words[-1], *words[:-1]])


def name_order_key(name: str) -> str:
    """The key "Name (A–Z)" sorts by."""
    return folded(filing_name(name))
