"""Gates: a stage or level shows only once the unit's own readiness meets its gate (INTEROP_GATES).

A gate maps a stage or level ("OCC NEL-2", "PCRS RDL") to a readiness level (C-n, P-n or T-n,
that or better), judged on the engine's answer for the unit on the same date; a gate that
holds the unit back becomes the reason it is not higher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from readiness.interop.models import PCRS_LEVELS, STEPS

GATE_KEYS = (*(f"OCC {s}" for s in STEPS), *(f"PCRS {level}" for level in PCRS_LEVELS[1:]))
_GATE_LEVEL = re.compile(r"[CPT]-[1-4]")
_GATE_FIELD = {"C": "level", "P": "p_level", "T": "t_level"}
#: The unit's readiness levels (`level`, `p_level`, `t_level`), asked for only when a gate is reached.
Levels = Callable[[], Mapping[str, str | None]]


@dataclass(frozen=True)
class Gate:
    """A stage or level (`applies_to`) that shows only at `requires` (e.g. T-2) or better."""

    applies_to: str
    requires: str

    def check(self, levels: Mapping[str, str | None]) -> dict[str, Any]:
        """Return whether the unit's levels meet the gate, with the level it was judged on."""
        actual = levels.get(_GATE_FIELD[self.requires[0]])
        met = actual is not None and int(actual[-1]) <= int(self.requires[-1])
        return {"applies_to": self.applies_to, "requires": self.requires, "unit_level": actual, "met": met}


def parse_gates(config: Any) -> dict[str, Gate]:
    """Return the configured gates by what they apply to; ValueError says what is wrong."""
    if not isinstance(config, Mapping):
        raise ValueError(
            'INTEROP_GATES must map a stage or level to a readiness level, e.g. {"PCRS RDL": "T-2"}.'
        )
    gates = {}
    for key, value in config.items():
        if key not in GATE_KEYS:
            raise ValueError(
                f"INTEROP_GATES: {key!r} is not a stage or level; use one of {', '.join(GATE_KEYS)}."
            )
        if not isinstance(value, str) or not _GATE_LEVEL.fullmatch(value.strip().upper()):
            raise ValueError(
                f"INTEROP_GATES[{key!r}]: {value!r} is not a readiness level; use C-n, P-n or T-n "
                "with n from 1 to 4."
            )
        gates[key] = Gate(key, value.strip().upper())
    return gates


@dataclass
class GateKeeper:
    """Checks gates in order, asking for the unit's levels at most once."""

    gates: dict[str, Gate]
    levels: Levels
    checked: list[dict[str, Any]] = field(default_factory=list)
    _levels: Mapping[str, str | None] | None = None

    def holds(self, key: str) -> dict[str, Any] | None:
        """Return the check of the gate on `key` if it holds the unit back, else None."""
        gate = self.gates.get(key)
        if gate is None:
            return None
        if self._levels is None:
            self._levels = self.levels()
        result = gate.check(self._levels)
        self.checked.append(result)
        return None if result["met"] else result


def gate_text(check: dict[str, Any], on: date) -> str:
    actual = check["unit_level"]
    where = f"is {actual}" if actual else "has no level (no one assigned)"
    return (
        f"the gate for {check['applies_to']} needs {check['requires']} or better and the unit "
        f"{where} on {on.isoformat()}"
    )
