"""Which era of upstream ``lib/sbitmap.c`` a drop-in is, read from its header.

The first trees (4.9 on) keep the allocation hint and the round-robin flag in
the ``sbitmap_queue`` and pass them to ``sbitmap_get(sb, hint, round_robin)``;
later ones (5.13 on) keep both in the ``sbitmap`` itself, and add batched get
and clear.  Counted waits (``sbitmap_prepare_to_wait()``, 5.0 on) decide how
a sleeper queues.  The adapter (kernel_port/lib/sbitmap_tags.c) takes the
answer as -D flags, as blk-mq of each era called what its tree had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from torture.errors import GenerationError
from torture.generation import COMMENT

INIT_NODE = re.compile(r"\bint\s+sbitmap_queue_init_node\s*\(([^)]*)\)\s*([;{])")
GET = re.compile(r"\bint\s+sbitmap_get\s*\(([^)]*)\)\s*;")
CLEAR = re.compile(r"\bvoid\s+sbitmap_queue_clear\s*\(([^)]*)\)\s*;")
COUNTED_WAIT = re.compile(r"\bvoid\s+sbitmap_prepare_to_wait\s*\(")
BATCH = re.compile(r"\b__sbitmap_queue_get_batch\s*\(")


@dataclass(frozen=True)
class Shape:
    """What the header declares, as the adapter needs it."""

    hint_in_queue: bool  # the early shape
    counted_wait: bool
    batch: bool

    @property
    def label(self) -> str:
        where = "early: alloc hint in the queue" if self.hint_in_queue else \
            "late: alloc hint in the bitmap"
        extras = [x for x, on in (("counted waits", self.counted_wait),
                                  ("batch get/clear", self.batch)) if on]
        return ", ".join([where, *extras])

    @property
    def defines(self) -> str:
        return "-DSBITMAP_UPSTREAM" + (" -DSBQ_WAIT_COUNTED" if self.counted_wait else "")


def _params(text: str) -> int:
    return len([p for p in text.split(",") if p.strip()])


def detect(source_path: Path, header_path: Path) -> Shape:
    """Read both files; a file in the wrong place or of no known era is an error."""
    src = COMMENT.sub(" ", source_path.read_text(errors="replace"))
    hdr = COMMENT.sub(" ", header_path.read_text(errors="replace"))
    if not any(end == ";" for _, end in INIT_NODE.findall(hdr)):
        raise GenerationError(
            f"SBITMAP_H={header_path} declares no sbitmap_queue_init_node(): not an upstream "
            f"<linux/sbitmap.h>")
    if not any(end == "{" for _, end in INIT_NODE.findall(src)):
        raise GenerationError(
            f"SBITMAP_SRC={source_path} defines no sbitmap_queue_init_node(): not an "
            f"upstream lib/sbitmap.c")
    clear = CLEAR.search(hdr)
    if not clear or _params(clear.group(1)) != 3:
        found = f"declares sbitmap_queue_clear({clear.group(1)})" if clear else \
            "declares no sbitmap_queue_clear()"
        raise GenerationError(f"SBITMAP_H={header_path} {found}: the adapter drives "
                              f"sbitmap_queue_clear(sbq, nr, cpu), the call of every "
                              f"release from 4.10 on")
    get = GET.search(hdr)
    return Shape(hint_in_queue=bool(get) and _params(get.group(1)) == 3,
                 counted_wait=bool(COUNTED_WAIT.search(hdr)), batch=bool(BATCH.search(hdr)))
