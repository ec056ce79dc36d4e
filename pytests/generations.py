"""percpu_ida files of every API generation, for the drop-in tests.

Each is made from this project's own ports by the edits that separate the
generations (spec/generations.md), so it stays in step with the port and
tests the harness's path for that generation, not a second allocator.
Generation 0 is design B under the posting's API (torture/posting.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from torture import posting
from torture.images import PORT


def write(dest: Path) -> tuple[Path, Path]:
    """Generation 1 (3.12): gfp_t alloc, only percpu_ida_init, sizes in the .c."""
    src = (PORT / "lib/percpu_ida.c").read_text()
    hdr = (PORT / "include/linux/percpu_ida.h").read_text()

    hdr = hdr.replace("int percpu_ida_alloc(struct percpu_ida *pool, int state);",
                      "int percpu_ida_alloc(struct percpu_ida *pool, gfp_t gfp);")
    hdr = re.sub(r"/\* Tags moved per refill.*?\n\n", "", hdr, flags=re.S)
    hdr = re.sub(r"typedef int \(\*percpu_ida_cb\).*?;\n\n", "", hdr, flags=re.S)
    hdr = re.sub(r"int __percpu_ida_init\(.*?\);\n", "", hdr, flags=re.S)
    hdr = re.sub(r"int percpu_ida_for_each_free\(.*?\);\n", "", hdr, flags=re.S)
    hdr = re.sub(r"unsigned int percpu_ida_free_tags\(.*?\);\n", "", hdr, flags=re.S)
    hdr = re.sub(r"static inline int percpu_ida_init.*?\n}\n",
                 "int percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags);\n",
                 hdr, flags=re.S)
    hdr = hdr.replace("#include <linux/types.h>",
                      "#include <linux/types.h>\n#include <linux/gfp.h>")

    src = src.replace(
        "int percpu_ida_alloc(struct percpu_ida *pool, int state)\n{\n",
        "int percpu_ida_alloc(struct percpu_ida *pool, gfp_t gfp)\n{\n"
        "\tint state = (gfp & __GFP_WAIT) ? TASK_UNINTERRUPTIBLE : TASK_RUNNING;\n",
    )
    src = src.replace(
        "int __percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags,\n"
        "\t\t      unsigned long max_size, unsigned long batch_size)\n{\n",
        "int percpu_ida_init(struct percpu_ida *pool, unsigned long nr_tags)\n{\n"
        "\tunsigned long max_size = IDA_PCPU_SIZE, batch_size = IDA_PCPU_BATCH_MOVE;\n",
    )
    src = src.replace("EXPORT_SYMBOL_GPL(__percpu_ida_init);",
                      "EXPORT_SYMBOL_GPL(percpu_ida_init);")
    src = src.replace(
        "struct percpu_ida_cpu {",
        "#define IDA_PCPU_BATCH_MOVE\t32U\n"
        "#define IDA_PCPU_SIZE\t\t((IDA_PCPU_BATCH_MOVE * 3) / 2)\n\n"
        "struct percpu_ida_cpu {",
    )
    src = src[: src.index("static int pida_walk(")]  # for_each_free, free_tags: 3.13
    src = src.replace("#include <linux/sched/signal.h>", "#include <linux/sched.h>")  # 4.11

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "percpu_ida.c").write_text(src)
    (dest / "percpu_ida.h").write_text(hdr)
    return dest / "percpu_ida.c", dest / "percpu_ida.h"


def _port() -> tuple[str, str]:
    return ((PORT / "lib/percpu_ida.c").read_text(),
            (PORT / "include/linux/percpu_ida.h").read_text())


def _save(dest: Path, src: str, hdr: str) -> tuple[Path, Path]:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "percpu_ida.c").write_text(src)
    (dest / "percpu_ida.h").write_text(hdr)
    return dest / "percpu_ida.c", dest / "percpu_ida.h"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"the port changed: cannot find {old!r}"
    return text.replace(old, new)


def write_313(dest: Path) -> tuple[Path, Path]:
    """Generation 2 (3.13): sizes at init, iterator, counts; alloc still takes gfp_t."""
    src, hdr = _port()
    hdr = _replace(hdr, "int percpu_ida_alloc(struct percpu_ida *pool, int state);",
                   "int percpu_ida_alloc(struct percpu_ida *pool, gfp_t gfp);")
    hdr = _replace(hdr, "#include <linux/types.h>",
                   "#include <linux/types.h>\n#include <linux/gfp.h>")
    src = _replace(src, "int percpu_ida_alloc(struct percpu_ida *pool, int state)\n{\n",
                   "int percpu_ida_alloc(struct percpu_ida *pool, gfp_t gfp)\n{\n"
                   "\tint state = (gfp & __GFP_WAIT) ? TASK_UNINTERRUPTIBLE : TASK_RUNNING;\n")
    src = _replace(src, "#include <linux/sched/signal.h>", "#include <linux/sched.h>")
    return _save(dest, src, hdr)


def write_314_sched_h(dest: Path) -> tuple[Path, Path]:
    """Generation 3 as 3.14-4.10 trees have it: the signal helpers from sched.h."""
    src, hdr = _port()
    return _save(dest, _replace(src, "#include <linux/sched/signal.h>", "#include <linux/sched.h>"),
                 hdr)


def write_314_signal_h(dest: Path) -> tuple[Path, Path]:
    """Generation 3 as the newest trees have it: sched/signal.h, and no mm.h or
    gfp.h although it calls the page allocator (percpu.h and sched.h bring it)."""
    src, hdr = _port()
    return _save(dest, _replace(src, "#include <linux/mm.h>\n", ""), hdr)


def write_314_rt(dest: Path) -> tuple[Path, Path]:
    """Generation 3 of a PREEMPT_RT tree: the irq toggles are a local lock."""
    src, hdr = _port()
    src = _replace(src, "#include <linux/percpu_ida.h>\n",
                   "#include <linux/locallock.h>\n#include <linux/percpu_ida.h>\n\n"
                   "static DEFINE_LOCAL_IRQ_LOCK(irq_off_lock);\n")
    src = _replace(src, "local_irq_save(flags);", "local_lock_irqsave(irq_off_lock, flags);")
    src = _replace(src, "local_irq_restore(flags);",
                   "local_unlock_irqrestore(irq_off_lock, flags);")
    return _save(dest, src, hdr)


def write_posting(dest: Path) -> tuple[Path, Path]:
    """Generation 0: design B under the June 2013 posting's API."""
    return posting.write(dest)


# name: (writer, generation number, flavour)
MATRIX = {
    "gen0-posting": (write_posting, 311, ""),
    "gen1-3.12": (write, 312, ""),
    "gen2-3.13": (write_313, 313, ""),
    "gen3-sched.h": (write_314_sched_h, 314, ""),
    "gen3-sched-signal.h": (write_314_signal_h, 314, "sched/signal.h"),
    "gen3-rt-local-lock": (write_314_rt, 314, "PREEMPT_RT local locks"),
}
