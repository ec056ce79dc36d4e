"""Bugs planted in a copy of the port, run as drop-ins: how fast and how
surely the default torture finds what nobody wrote a check for.

Unlike the catalogue (`kernel_port/broken/`, built as images and run by
every engine), these are one-line edits made on the fly; the torture tests
and `bench/planted_detection.py` use them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from torture import images

PORT_SRC = images.PORT / "lib/percpu_ida.c"
PORT_HDR = images.PORT / "include/linux/percpu_ida.h"


@dataclass(frozen=True)
class Planted:
    name: str
    about: str
    old: str  # text of the port, found exactly once
    new: str
    expect: str  # a regex the FAILURE's reason must match
    # torture parameters besides the defaults that the bug needs to show
    params: tuple[tuple[str, object], ...] = ()

    def write(self, directory: Path) -> dict[str, str]:
        """The edited copy in @directory; the environment that selects it."""
        return dropin(directory, self.old, self.new)


def dropin(directory: Path, old: str, new: str) -> dict[str, str]:
    """The port with @old replaced by @new (unchanged if @old is empty), as
    a drop-in: the environment (os.environ plus PERCPU_IDA_SRC/_H) that
    selects it."""
    return dropin_edits(directory, [(old, new)] if old else [])


def dropin_edits(directory: Path, edits: list[tuple[str, str]]) -> dict[str, str]:
    """The port with each (old, new) of @edits made, in turn, as a drop-in."""
    text = PORT_SRC.read_text()
    for old, new in edits:
        if text.count(old) != 1:
            raise ValueError(f"the port has {text.count(old)} copies of {old!r}, not one")
        text = text.replace(old, new, 1)
    src = directory / "percpu_ida.c"
    src.write_text(text)
    env = {**os.environ, "PERCPU_IDA_SRC": str(src), "PERCPU_IDA_H": str(PORT_HDR)}
    for name in ("MAKEFLAGS", "SBITMAP_SRC", "SBITMAP_H", "PERCPU_IDA_GEN"):
        env.pop(name, None)
    return env


PLANTED = {p.name: p for p in [
    Planted(
        "steal_drops_a_tag", "a thief loses one tag, once",
        "\t\tspin_unlock(&victim->lock);\n\n\t\tif (cache->nr_free)\n",
        "\t\tspin_unlock(&victim->lock);\n"
        "\t\t{\n\t\t\tstatic bool dropped;\n\n"
        "\t\t\tif (!dropped && cache->nr_free > 1) {\n"
        "\t\t\t\tcache->nr_free--;\n\t\t\t\tdropped = true;\n\t\t\t}\n\t\t}\n\n"
        "\t\tif (cache->nr_free)\n",
        r"conservation: .*lost \[\d+\]"),
    Planted(
        "refill_without_cpumask_bit", "a refill leaves tags in the cache unadvertised",
        "\tif (tag >= 0 && cache->nr_free)\n"
        "\t\tcpumask_set_cpu(smp_processor_id(), &pool->cpus_have_tags);\n",
        "",
        r"availability: |stall: "),
    Planted(
        "cache_sized_in_bytes", "each CPU's stack sized in bytes, not entries: it overflows",
        "\tcache_bytes = sizeof(struct percpu_ida_cpu) +\n"
        "\t\t      max_size * sizeof(unsigned int);\n",
        "\tcache_bytes = sizeof(struct percpu_ida_cpu) + max_size;\n",
        r"redzone: Redzone overwritten: percpu object .* CPU \d's copy"),
    Planted(
        "caches_twice_max", "CPUs cache twice percpu_max_size (with room for it)",
        "\tpool->percpu_max_size = max_size;\n",
        "\tmax_size *= 2;\n\tpool->percpu_max_size = max_size;\n",
        r"cache-bound: cpu \d( \(offline\))? caches \d+ free tags, more than "
        r"percpu_max_size 8",
        # with the default 8 tags no cache can hold more than 8 anyway
        (("nr_tags", 32),)),
    Planted(
        "steal_keeps_going", "a thief that found tags goes on to the next CPU",
        "\t\tif (cache->nr_free)\n\t\t\treturn;\n\t}\n}\n",
        "\t}\n}\n",
        r"redzone: |cache-bound: ",
        # with two CPUs there is no next victim; with few free tags, two
        # victims' caches never add up to more than one cache holds
        (("nr_cpus", 3), ("nr_tags", 24), ("hold", 4))),
    Planted(
        "for_each_free_online_only", "the iterator skips the caches of offline CPUs",
        "\tlocal_irq_save(flags);\n\tfor_each_possible_cpu(cpu) {\n",
        "\tlocal_irq_save(flags);\n\tfor_each_online_cpu(cpu) {\n",
        r"conservation: .*lost \[\d",
        # tags enough that nobody needs to steal what a dead CPU holds
        (("nr_tags", 32),)),
]}
