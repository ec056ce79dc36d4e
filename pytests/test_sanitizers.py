"""The default campaign under each sanitizer: clean on correct allocators,
and TSan names the race of a broken one."""

from __future__ import annotations

import pytest

from torture import images, runner
from torture.sanitizers import SANITIZERS


def campaign(monkeypatch: pytest.MonkeyPatch, san: str, allocator: str,
             duration: float) -> runner.TortureResult:
    monkeypatch.setenv("SAN", san)
    lines: list[str] = []
    result = runner.run_isolated(
        runner.TortureParams(torture_type=allocator, duration=duration, stat_interval=0),
        emit=lines.append,
    )
    result.reports.extend(lines)
    return result


@pytest.mark.parametrize("san", SANITIZERS)
@pytest.mark.parametrize("allocator", ["percpu_ida", "percpu_ida_v1"])
def test_default_campaign_is_clean(monkeypatch, san, allocator):
    result = campaign(monkeypatch, san, allocator, 2.0)
    assert result.success, result.reason + "\n" + "\n".join(result.reports[-40:])


@pytest.mark.parametrize("allocator", sorted(images.BASELINES))
def test_the_baselines_are_race_free(monkeypatch, allocator):
    result = campaign(monkeypatch, "thread", allocator, 1.5)
    assert result.success, result.reason + "\n" + "\n".join(result.reports[-40:])


def test_tsan_reports_the_race_of_a_broken_steal(monkeypatch):
    result = campaign(monkeypatch, "thread", "broken_steal_nolock", 20.0)
    assert not result.success
    assert "sanitizer: thread reported" in result.reason
    assert "data race" in result.reason
    output = "\n".join(result.reports)
    assert "pida_steal" in output  # the report points at the thief


def test_unknown_sanitizer(monkeypatch):
    from torture.errors import InvalidArgument

    monkeypatch.setenv("SAN", "memory")
    with pytest.raises(InvalidArgument, match="SAN=memory"):
        runner.run_isolated(runner.TortureParams(duration=1), emit=lambda _: None)
