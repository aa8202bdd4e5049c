"""A stance model checks, when it loads, that this machine computes what the machine that exported it did.

An exported model folder's ``config.json`` may hold ``self_check``: a few plain sentence pairs and the probabilities
the model gave them when it was exported. Loading judges the same pairs, batched as at export, and refuses a
model whose answers moved by more than :data:`TOLERANCE`. Quantized models depend on the CPU's integer kernels: on
CPUs without VNNI instructions onnxruntime's uint8 × int8 kernel saturates, and an int8 model so run answered the
held-out everyday claims at chance (0.53) while looking healthy. A worker that refuses to start says so at once; one
that gives wrong verdicts does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...domain import STANCE_ORDER
from ...errors import ModelLoadError
from ..base import StanceModel, format_evidence

#: Largest change in any probability the check lets pass (float rounding differs a little between CPUs).
TOLERANCE = 0.1
#: ``(evidence, claim)`` pairs whose stance is plain: entailed, contradicted, and about something else.
SELF_CHECK_PAIRS: tuple[tuple[str, str], ...] = (
    (format_evidence("Paris", "Paris is the capital and largest city of France."), "Paris is the capital of France."),
    (format_evidence("Paris", "Paris is the capital and largest city of France."), "Paris is the capital of Spain."),
    (format_evidence("Eiffel Tower", "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, "
                     "France."), "The Eiffel Tower is in Rome."),
    (format_evidence("Barack Obama", "Barack Obama was born in Honolulu, Hawaii."), "Barack Obama was born in Hawaii."),
    (format_evidence("Mars", "Mars is the fourth planet from the Sun."), "Penguins live in Antarctica."),
    (format_evidence("Water", "Water boils at 100 degrees Celsius at sea level."),
     "The Moon orbits the Earth once a month."),
)


def self_check_reference(model: StanceModel, pairs: Sequence[tuple[str, str]] = SELF_CHECK_PAIRS) -> list[dict]:
    """The ``self_check`` entries for ``config.json``: each pair with the probabilities ``model`` gives it now."""
    probabilities = model.predict(list(pairs))
    return [
        {"evidence": evidence, "claim": claim,
         "probabilities": {stance.value: round(float(p), 4) for stance, p in zip(STANCE_ORDER, row)}}
        for (evidence, claim), row in zip(pairs, probabilities)
    ]


def run_self_check(model: StanceModel, reference: Any, *, name: str) -> None:
    """Raise ModelLoadError when ``model`` answers the reference pairs differently from the reference."""
    try:
        pairs = [(str(entry["evidence"]), str(entry["claim"])) for entry in reference]
        expected = [[float(entry["probabilities"][stance.value]) for stance in STANCE_ORDER] for entry in reference]
    except (TypeError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"stance model {name}: unreadable self_check in config.json ({exc!r})") from exc
    if not pairs:
        return
    got = model.predict(pairs)
    worst, at = max((abs(float(g) - e), i) for i, (row, ref) in enumerate(zip(got, expected))
                    for g, e in zip(row, ref))
    if worst > TOLERANCE:
        raise ModelLoadError(
            f"stance model {name} gives different answers on this machine than where it was exported: a probability "
            f"moved by {worst:.2f} (more than {TOLERANCE}) on its self-check pair {pairs[at][1]!r}; its verdicts here "
            "would be wrong. An int8 model on a CPU without VNNI instructions needs its weights stored as uint8 "
            "(see onnx_weights.unsigned_weights)."
        )
