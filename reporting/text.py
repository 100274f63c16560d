"""Vietnamese text as it arrives: NFC or NFD, with stray spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RUN = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """NFC-normalize, trim and collapse inner runs of white space."""
    if value is None:
        return ""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: object) -> str:
    """A key for comparing names and sheet titles: cleaned and case-folded."""
    return clean_text(value).casefold()
