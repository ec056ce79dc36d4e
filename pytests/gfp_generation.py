"""Write a 3.12-generation percpu_ida (gfp_t alloc, fixed sizes) for the drop-in tests.

It is made from this project's own port by the edits that separate the API
generations, so it stays in step with the port and tests the adapter's 3.12
path, not a second allocator.
"""

from __future__ import annotations

import re
from pathlib import Path

from torture.images import PORT


def write(dest: Path) -> tuple[Path, Path]:
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

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "percpu_ida.c").write_text(src)
    (dest / "percpu_ida.h").write_text(hdr)
    return dest / "percpu_ida.c", dest / "percpu_ida.h"
