"""The threaded topologies of the default campaign: `make mutants` runs each
after the deterministic suite, and `make test` runs each on every design.
Two vCPUs reach few of the bugs that need a third CPU to show, so these add
the shapes that do (oversubscribed on a machine with fewer cores)."""

from __future__ import annotations

TOPOLOGIES: dict[str, dict[str, object]] = {
    "default": {},
    # a thief passes over several CPUs, and stops where the tags are
    "3cpu": {"nr_cpus": 3},
    # fewer tags than the caches can hold (4 x max_size 8 = 32)
    "4cpu-small": {"nr_cpus": 4, "nr_tags": 16},
    # some CPUs only allocate, others only free
    "asymmetric": {"nr_cpus": 3, "asymmetric": True},
}


def flags(name: str) -> list[str]:
    """The topology's settings as `python -m torture run` flags."""
    out: list[str] = []
    for key, value in TOPOLOGIES[name].items():
        out += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return out
