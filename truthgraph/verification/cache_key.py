"""The verdict cache's key: the same claim, against the same corpus generations, by the same model and calibration.

A viral claim arrives many times; with the same key the stored verdict is returned without running the model. The
claim text is normalised (case, spacing, a final full stop or question mark) so trivial variants share a key.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_SPACE = re.compile(r"\s+")


def normalise_claim(text: str) -> str:
    """The claim as the cache compares it: NFKC, lower case, single spaces, no final ``.``, ``!`` or ``?``."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()
    return text.rstrip(".!? ").strip()


def verdict_cache_key(
    claim_text: str,
    *,
    generations: Mapping[str, str],
    model: str,
    calibration: str,
    top_k: int,
    selection: Mapping[str, Any] | None = None,
) -> str:
    """A SHA-256 over everything a verdict depends on; ``selection`` says how the judged sentences were chosen."""
    material = {
        "claim": normalise_claim(claim_text),
        "corpora": sorted(generations.items()),
        "model": model,
        "calibration": calibration,
        "top_k": top_k,
        "selection": dict(selection or {}),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()
