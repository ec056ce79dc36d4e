"""Which percpu_ida API generation a source file is, read from its text.

3.12: ``percpu_ida_alloc(pool, gfp_t)``, only ``percpu_ida_init``, sizes are
constants in the .c.  3.13: adds ``__percpu_ida_init``, ``for_each_free``,
``free_tags``.  3.14+: ``percpu_ida_alloc(pool, int state)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from torture.errors import GenerationError

ALLOC_GFP = re.compile(r"int\s+percpu_ida_alloc\s*\([^)]*,\s*gfp_t\s+\w+\s*\)")
ALLOC_STATE = re.compile(r"int\s+percpu_ida_alloc\s*\([^)]*,\s*int\s+\w+\s*\)")
SIZED_INIT = re.compile(r"\b__percpu_ida_init\s*\(")
FIXED_SIZE = re.compile(r"#define\s+(IDA_PCPU_SIZE|IDA_PCPU_BATCH_MOVE)\s+(.+)")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


@dataclass(frozen=True)
class Generation:
    """A detected API generation and what it offers."""

    number: int  # 312, 313 or 314
    max_size: int | None  # fixed per-CPU cache size, where the .c fixes it
    batch_size: int | None

    @property
    def name(self) -> str:
        return {312: "3.12", 313: "3.13", 314: "3.14+"}[self.number]


def _fixed_sizes(source: str) -> tuple[int | None, int | None]:
    """Evaluate the 3.12 size constants, which are simple integer expressions."""
    defs = {name: expr.strip() for name, expr in FIXED_SIZE.findall(source)}
    values: dict[str, int] = {}
    for _ in range(3):  # definitions may refer to each other
        for name, expr in defs.items():
            text = expr
            for known, value in values.items():
                text = re.sub(rf"\b{known}\b", str(value), text)
            text = re.sub(r"(\d+)[uUlL]+\b", r"\1", text)
            if re.fullmatch(r"[\d\s()+\-*/]+", text):
                values[name] = int(eval(text.replace("/", "//")))  # noqa: S307 - digits only
    return values.get("IDA_PCPU_SIZE"), values.get("IDA_PCPU_BATCH_MOVE")


def detect(source_path: Path, header_path: Path) -> Generation:
    """Read both files and name their generation, or explain why not."""
    text = source_path.read_text(errors="replace") + "\n" + header_path.read_text(errors="replace")
    text = COMMENT.sub(" ", text)
    gfp = bool(ALLOC_GFP.search(text))
    state = bool(ALLOC_STATE.search(text))
    if gfp == state:
        found = "both a gfp_t and an int-state" if gfp else "no"
        raise GenerationError(
            f"cannot recognise the percpu_ida API generation of {source_path} + {header_path}: "
            f"found {found} percpu_ida_alloc() prototype; set PERCPU_IDA_GEN=312|313|314 to say"
        )
    if state:
        return Generation(314, None, None)
    if SIZED_INIT.search(text):
        return Generation(313, None, None)
    max_size, batch = _fixed_sizes(text)
    return Generation(312, max_size, batch)


def from_name(value: str) -> Generation:
    """A generation given by the user: 312, 3.12, 313, 3.13, 314, 3.14."""
    number = {"3.12": 312, "3.13": 313, "3.14": 314, "3.14+": 314}.get(value)
    if number is None and value.isdigit() and int(value) in (312, 313, 314):
        number = int(value)
    if number is None:
        raise GenerationError(f"unknown API generation {value!r}: use 312, 313 or 314")
    return Generation(number, None, None)
