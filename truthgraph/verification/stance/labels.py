"""Mapping a checkpoint's class labels onto :data:`~truthgraph.domain.STANCE_ORDER`, by name and never by position.

Only 3-way checkpoints are accepted. A 2-way model (entails/contradicts, no neutral) is rejected: it cannot say
that evidence is beside the point, and a made-up neutral column would mislead the verdict rule into treating
every unrelated passage as support or refutation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...domain import STANCE_ORDER, Stance
from ...errors import ModelLoadError

#: Label names (normalised: lower case, words joined by ``_``) that checkpoints use for each stance.
ALIASES: dict[Stance, frozenset[str]] = {
    Stance.ENTAILS: frozenset({"entails", "entailment", "entail", "entailed", "supports", "support", "supported"}),
    Stance.CONTRADICTS: frozenset(
        {"contradicts", "contradiction", "contradict", "contradicted", "refutes", "refute", "refuted"}
    ),
    Stance.NEUTRAL: frozenset(
        {"neutral", "not_enough_info", "not_enough_information", "nei", "unrelated", "no_relation"}
    ),
}


def normalise_label(name: str) -> str:
    """``"NOT ENOUGH INFO"`` → ``"not_enough_info"``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def stance_of(name: str) -> Stance:
    """The stance a label name stands for; :class:`ModelLoadError` when it is not known."""
    key = normalise_label(name)
    for stance, names in ALIASES.items():
        if key in names:
            return stance
    raise ModelLoadError(f"unknown stance label {name!r}")


def stance_columns(id2label: Mapping[int | str, str] | None) -> list[int]:
    """Column indices that reorder a checkpoint's outputs into STANCE_ORDER: ``probs[:, columns]``."""
    if not id2label:
        raise ModelLoadError("the checkpoint has no id2label")
    try:
        by_index = {int(i): label for i, label in id2label.items()}
    except (TypeError, ValueError) as exc:
        raise ModelLoadError(f"id2label keys are not class indices: {sorted(id2label)}") from exc
    if sorted(by_index) != list(range(len(by_index))):
        raise ModelLoadError(f"id2label indices are not 0..n-1: {sorted(by_index)}")
    found: dict[Stance, int] = {}
    for index, label in sorted(by_index.items()):
        stance = stance_of(label)
        if stance in found:
            raise ModelLoadError(f"labels {by_index[found[stance]]!r} and {label!r} both mean {stance.value}")
        found[stance] = index
    missing = [s.value for s in STANCE_ORDER if s not in found]
    if missing:
        raise ModelLoadError(
            f"a 3-way stance model is required; labels {list(by_index.values())} lack {', '.join(missing)}"
        )
    return [found[s] for s in STANCE_ORDER]
