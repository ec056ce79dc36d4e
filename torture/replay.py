"""The text of a recorded replay (`--replay`): what it was recorded against,
then the decisions.  `three_tasks/mem0/mig1/img3fa2c1d09b7e/n996/crc5d1e0a7c:0*20,1,0,2`
replays a run of scenario three_tasks, without memory points, with one
migration allowed, on the image
with that build id, which made 996 choices; the decisions are indices into
each choice's options, runs of a value written V*N, trailing zeros dropped,
and the CRC is theirs.  Replaying it anywhere else, or a list that was cut
or edited, is an error that says what differs, never a silent run of
something else."""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass

from torture import images
from torture.errors import InvalidArgument

FINGERPRINT = re.compile(r"^(?P<scenario>[a-z_0-9]+)/mem(?P<memory>[01])/mig(?P<mig>\d+)/"
                         r"img(?P<image>[0-9a-f]+)/n(?P<choices>\d+)/crc(?P<crc>[0-9a-f]{8})$")


@dataclass(frozen=True)
class Recording:
    scenario: str
    memory: bool
    migrations: int  # the run's migration budget
    image: str  # the image's build id
    choices: int  # the choices the recorded run made
    decisions: list[int]

    def __str__(self) -> str:
        return (f"{self.scenario}/mem{int(self.memory)}/mig{self.migrations}/img{self.image}/"
                f"n{self.choices}/"
                f"crc{_crc(self.decisions)}:{encode(self.decisions)}")

    def command(self, allocator: str) -> str:
        """The command line that replays it, with the variables of a drop-in."""
        return (f"{images.rerun_prefix(allocator)}python -m torture explore {allocator} "
                f"--scenario {self.scenario} {'--memory ' if self.memory else ''}"
                f"{'' if self.migrations == 1 else f'--migrations {self.migrations} '}"
                f"--replay {self}")

    def check(self, scenario: str, memory: bool, migrations: int, image: str) -> None:
        """Is this run the one recorded?  An error naming what differs."""
        differs = [f"{what} {have} (recorded: {want})" for what, have, want in [
            ("--scenario", scenario, self.scenario),
            ("--memory", int(memory), int(self.memory)),
            ("--migrations", migrations, self.migrations),
            ("image build", image, self.image)] if str(have) != str(want)]
        if differs:
            raise InvalidArgument(f"--replay was recorded elsewhere: this run has "
                                  f"{', '.join(differs)}")
        if len(self.decisions) > self.choices:
            raise InvalidArgument(f"--replay has {len(self.decisions)} decisions, but the "
                                  f"recorded run made {self.choices} choices")

    def check_run(self, choices: int, options: list[int]) -> None:
        """Did the replay make the recorded choices?  An out-of-range decision
        or another number of choices means it ran something else."""
        for i, (chosen, nr) in enumerate(zip(self.decisions, options, strict=False)):
            if chosen >= nr:
                raise InvalidArgument(f"--replay decision #{i} is {chosen}, but that "
                                      f"choice had {nr} options")
        if choices != self.choices:
            raise InvalidArgument(f"--replay made {choices} choices, the recorded run "
                                  f"{self.choices}: the list does not belong to this run")


def _crc(decisions: list[int]) -> str:
    return f"{zlib.crc32(','.join(map(str, decisions)).encode()):08x}"


def encode(decisions: list[int]) -> str:
    """Decisions as --replay takes them, runs of a value written V*N."""
    out: list[str] = []
    for value, run in itertools.groupby(decisions):
        n = len(list(run))
        out += [str(value)] * n if n < 3 else [f"{value}*{n}"]
    return ",".join(out) or "0"


def decode(text: str) -> Recording:
    """A --replay argument; a one-line error if it is not one that explore printed."""
    head, sep, body = text.partition(":")
    found = FINGERPRINT.match(head.strip())
    if not sep or not found:
        raise InvalidArgument("--replay takes a recorded replay, as explore prints it: "
                              "SCENARIO/memM/migN/imgID/nCHOICES/crcCRC:DECISIONS")
    decisions: list[int] = []
    try:
        for item in filter(None, (x.strip() for x in body.split(","))):
            value, _, count = item.partition("*")
            decisions += [int(value)] * (int(count) if count else 1)
    except ValueError as e:
        raise InvalidArgument(f"--replay's decisions are comma-separated integers (V*N for "
                              f"a run): {e}") from e
    if any(not 0 <= d < 65536 for d in decisions):
        raise InvalidArgument("--replay: a decision is an option index, 0..65535")
    while decisions and not decisions[-1]:
        decisions.pop()  # as recorded: trailing zeros say nothing
    if _crc(decisions) != found["crc"]:
        raise InvalidArgument(f"--replay's decisions are not the ones recorded (CRC "
                              f"{_crc(decisions)}, recorded {found['crc']}): cut or edited")
    return Recording(found["scenario"], found["memory"] == "1", int(found["mig"]),
                     found["image"], int(found["choices"]), decisions)
