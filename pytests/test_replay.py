"""A recorded replay says what it was recorded against: replaying it on
another scenario, memory mode or image, or a list that was cut or edited, or
one that does not fit the run, is an error naming the difference (exit 2),
never a silent run of something else."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from torture import replay


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "torture", "explore", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def recorded() -> tuple[list[str], str]:
    """A failure's replay command (its arguments after `explore`) and verdict."""
    first = cli("broken_v1_pop", "--scenario", "steal_push", "--strategy", "exhaustive",
                "--preemptions", "2")
    assert first.returncode == 1, first.stdout + first.stderr
    line = next(x for x in first.stdout.splitlines() if x.startswith("replay: "))
    verdict = next(x for x in first.stdout.splitlines() if x.startswith("FAILURE: "))
    return shlex.split(line.removeprefix("replay: "))[4:], verdict


def with_replay(argv: list[str], text: str) -> list[str]:
    return [text if a == argv[argv.index("--replay") + 1] else a for a in argv]


def test_the_recorded_replay_fails_the_same_way(recorded):
    argv, verdict = recorded
    again = cli(*argv)
    assert again.returncode == 1

    def unplaced(text: str) -> str:  # addresses move from process to process
        return re.sub(r"0x[0-9a-f]+", "ADDR", text)
    assert unplaced(verdict) in unplaced(again.stdout).splitlines()


@pytest.mark.parametrize("change, message", [
    (lambda a: [x for x in a if x not in ("--scenario", "steal_push")],
     "--scenario standard (recorded: steal_push)"),
    (lambda a: [*a, "--memory"], "--memory 1 (recorded: 0)"),
    (lambda a: [*a, "--migrations", "2"], "--migrations 2 (recorded: 1)"),
    (lambda a: with_replay(a, re.sub(r"img[0-9a-f]+", "img0123456789ab",
                                     a[a.index("--replay") + 1])),
     "image build"),
])
def test_a_replay_recorded_elsewhere_is_refused(recorded, change, message):
    out = cli(*change(recorded[0]))
    assert out.returncode == 2 and message in out.stderr, out.stdout + out.stderr
    assert "recorded elsewhere" in out.stderr and not out.stdout


@pytest.mark.parametrize("edit", [
    lambda text: text.rsplit(",", 1)[0],  # cut
    lambda text: text + ",1*500",  # 500 more decisions
    lambda text: re.sub(r":(\d+)", lambda m: f":{int(m.group(1)) + 1}", text),  # edited
])
def test_a_cut_or_edited_replay_is_refused(recorded, edit):
    argv = recorded[0]
    out = cli(*with_replay(argv, edit(argv[argv.index("--replay") + 1])))
    assert out.returncode == 2 and "cut or edited" in out.stderr, out.stdout + out.stderr


def test_a_replay_that_does_not_fit_the_run_is_refused(recorded):
    argv = recorded[0]
    rec = replay.decode(argv[argv.index("--replay") + 1])
    longer = replay.Recording(rec.scenario, rec.memory, rec.migrations, rec.image,
                              rec.choices + 3, rec.decisions)
    out = cli(*with_replay(argv, str(longer)))
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"made {rec.choices} choices, the recorded run {rec.choices + 3}" in out.stderr
    out_of_range = replay.Recording(rec.scenario, rec.memory, rec.migrations, rec.image,
                                    rec.choices, [999, *rec.decisions[1:]])
    out = cli(*with_replay(argv, str(out_of_range)))
    assert out.returncode == 2 and "decision #0 is 999, but that choice had" in out.stderr
