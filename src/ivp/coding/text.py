"""Text as the coders see it: ``normalise_text`` (lower case, accents removed, punctuation as spaces)."""

from __future__ import annotations

import re
import unicodedata


def normalise_text(text: str) -> str:
    """Lower case, accents removed, ``&`` read as ``en``, every non-alphanumeric run read as one space."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " en ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()
