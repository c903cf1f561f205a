"""Text folding shared by the spam rules and the duplicate keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)  # names, companies and campaigns repeat: an import folds each one once
def fold(text: str) -> str:
    """Lower-case ASCII words: accents, punctuation and extra spaces removed ("  José  O'Neil" -> "jose o neil")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()
