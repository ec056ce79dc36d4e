"""make coverage's judge: rates from gcovr's JSON, and a miss without an
explanation in docs/coverage_exceptions.toml is flagged."""

from __future__ import annotations

from torture import coverage

PORT = "kernel_port/lib/percpu_ida_v1.c"


def line_of(code: str) -> int:
    lines = (coverage.ROOT / PORT).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if code in text)


def fake(count: int, branches: list[int], code: str) -> dict[str, object]:
    return {"files": [{"file": PORT, "lines": [
        {"line_number": line_of(code), "count": count,
         "branches": [{"count": c} for c in branches]},
    ]}]}


def test_an_explained_branch_is_not_flagged() -> None:
    found, rates = coverage.misses(fake(3, [3, 0], "BUG_ON(nr == TAG_CPU_STEALING);"))
    assert rates[PORT] == (100.0, 50.0, 100.0)  # the explained one cannot be taken
    assert [m.what for m in found] == ["branch 1"] and found[0].why


def test_an_unexplained_miss_is_flagged() -> None:
    found, rates = coverage.misses(fake(0, [0, 0], "smp_mb();"))
    assert rates[PORT] == (0.0, 0.0, 0.0)
    assert [m.what for m in found] == ["line", "branch 0", "branch 1"]
    assert all(m.why is None for m in found)
