"""How fast the default torture finds bugs planted in a copy of the port
(torture/planted.py): seconds from the start to the FAILURE, per seed, at
the old stutter cadence (2.0 s) and the new default (0.2 s), and the
throughput of the correct port at both.

Run: .venv/bin/python bench/planted_detection.py [seeds] [duration]
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from torture import images, planted

STUTTERS = ("2.0", "0.2")


def torture(env: dict[str, str], tmp: Path, *args: str) -> dict:  # type: ignore[type-arg]
    """One `python -m torture run`: its JSON result."""
    out = tmp / "result.json"
    subprocess.run([sys.executable, "-m", "torture", "run", "--stat_interval", "0",
                    "--json", str(out), *args], env=env, cwd=images.ROOT,
                   capture_output=True, text=True, check=False)
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    duration = sys.argv[2] if len(sys.argv) > 2 else "30"
    print(f"# planted bugs: seconds to FAILURE under `python -m torture run --torture_type "
          f"dropin --duration {duration} --stutter S --seed N`, seeds 1..{seeds}; "
          f"'-' = not found")
    print(f"# machine: {platform.node()}, {platform.machine()}, python "
          f"{platform.python_version()}; command: .venv/bin/python "
          f"bench/planted_detection.py {seeds} {duration}")
    with tempfile.TemporaryDirectory(prefix="planted-") as tmpdir:
        tmp = Path(tmpdir)
        for bug in planted.PLANTED.values():
            env = bug.write(tmp)
            for stutter in STUTTERS:
                times, checks = [], set()
                for seed in range(1, seeds + 1):
                    extra = [a for k, v in bug.params for a in (f"--{k}", str(v))]
                    r = torture(env, tmp, "--torture_type", "dropin", "--duration", duration,
                                "--stutter", stutter, "--seed", str(seed), *extra)
                    times.append(None if r["success"] else r["elapsed"])
                    if not r["success"]:
                        checks.add(r["reason"].split(":", 1)[0])
                found = [t for t in times if t is not None]
                cells = " ".join("-" if t is None else f"{t:.2f}" for t in times)
                median = f"{statistics.median(found):.2f}" if found else "-"
                print(f"{bug.name:28s} stutter {stutter}: found {len(found)}/{seeds}, "
                      f"median {median} s, by {'/'.join(sorted(checks))}: {cells}",
                      flush=True)
        env = planted.dropin(tmp, "", "")  # the port itself
        for stutter in STUTTERS:
            rates = []
            for seed in range(1, 4):
                r = torture(env, tmp, "--torture_type", "dropin", "--duration", "5",
                            "--stutter", stutter, "--seed", str(seed))
                rates.append(r["stats"]["ops"] / r["elapsed"] / 1e6)
            print(f"{'correct port':28s} stutter {stutter}: "
                  f"{statistics.median(rates):.1f} M checked ops/s (median of 3 x 5 s)")


if __name__ == "__main__":
    main()
