"""The kernel API real lib/ files use: one small file per idiom, written the
way lib/ code writes it, must compile against the shims with -Werror.  The
behaviour of each is tested in test_api_behaviour.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_headers import compile_c

CORPUS = Path(__file__).parent / "data/idioms"


@pytest.mark.parametrize("probe", sorted(p.name for p in CORPUS.glob("*.c")))
def test_idiom_compiles(probe: str) -> None:
    proc = compile_c((CORPUS / probe).read_text())
    assert proc.returncode == 0, proc.stderr


def test_the_corpus_covers_the_audit() -> None:
    assert len(list(CORPUS.glob("*.c"))) >= 30
