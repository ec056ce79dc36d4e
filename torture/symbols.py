"""Code addresses of an image by function, from its DWARF, inlined copies
included: a named point ("the first xchg in pida_steal") is a pc range, and
a trace's pc is the function it lies in.  Names, never line numbers, so a
script survives edits to the port."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile

from torture.errors import InvalidArgument

_FUNCTION_TAGS = ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine")


@dataclass(frozen=True)
class Extent:
    lo: int
    hi: int
    depth: int
    name: str
    header: bool  # an inline helper from a header


def _origin(die):  # type: ignore[no-untyped-def]
    for attr in ("DW_AT_abstract_origin", "DW_AT_specification"):
        if attr in die.attributes:
            return _origin(die.get_DIE_from_attribute(attr))
    return die


def _ranges(die, cu, range_lists) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    attrs = die.attributes
    if "DW_AT_low_pc" in attrs and "DW_AT_high_pc" in attrs:
        lo = attrs["DW_AT_low_pc"].value
        hi = attrs["DW_AT_high_pc"]
        return [(lo, hi.value if hi.form == "DW_FORM_addr" else lo + hi.value)]
    if "DW_AT_ranges" in attrs and range_lists is not None:
        base = cu.get_top_DIE().attributes.get("DW_AT_low_pc")
        base_pc = base.value if base else 0
        out = []
        for r in range_lists.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
            if hasattr(r, "base_address"):  # a base address entry moves the base
                base_pc = r.base_address
            elif getattr(r, "is_absolute", False):
                out.append((r.begin_offset, r.end_offset))
            else:
                out.append((base_pc + r.begin_offset, base_pc + r.end_offset))
        return out
    return []


def _decl_file(die, cu, dwarf) -> str:  # type: ignore[no-untyped-def]
    index = die.attributes.get("DW_AT_decl_file")
    if index is None:
        return ""
    lp = dwarf.line_program_for_CU(cu)
    entries = lp["file_entry"]
    i = index.value if lp.header["version"] >= 5 else index.value - 1
    if not 0 <= i < len(entries):
        return ""
    name = entries[i].name
    return name.decode() if isinstance(name, bytes) else str(name)


@lru_cache(maxsize=16)
def _extents(image: Path, mtime: float) -> tuple[list[Extent], list[int]]:
    out: list[Extent] = []
    with open(image, "rb") as f:
        elf = ELFFile(f)
        if not elf.has_dwarf_info():
            raise InvalidArgument(f"{image} has no debug info: build it with -g")
        dwarf = elf.get_dwarf_info()
        range_lists = dwarf.range_lists()
        for cu in dwarf.iter_CUs():
            stack: list[tuple[object, int]] = [(cu.get_top_DIE(), 0)]
            while stack:
                die, depth = stack.pop()
                d = depth
                if die.tag in _FUNCTION_TAGS:  # type: ignore[attr-defined]
                    origin = _origin(die)
                    name_attr = origin.attributes.get("DW_AT_name")
                    if name_attr is not None:
                        name = name_attr.value.decode()
                        header = _decl_file(origin, cu, dwarf).endswith(".h")
                        for lo, hi in _ranges(die, cu, range_lists):
                            out.append(Extent(lo, hi, depth, name, header))
                    d = depth + 1
                for child in die.iter_children():  # type: ignore[attr-defined]
                    stack.append((child, d))
    out.sort(key=lambda e: (e.lo, e.depth))
    return out, [e.lo for e in out]


def extents(image: Path) -> list[Extent]:
    return _extents(image, image.stat().st_mtime)[0]


def function_ranges(image: Path, name: str) -> list[tuple[int, int]]:
    """Every pc range of @name in @image, inlined copies included."""
    found = [(e.lo, e.hi) for e in extents(image) if e.name == name]
    if not found:
        raise InvalidArgument(f"no function {name!r} in {image.name}")
    return found


def function_at(image: Path, pc: int) -> str:
    """The innermost function at @pc, skipping inline helpers from headers."""
    return _function_at(image, image.stat().st_mtime, pc)


@lru_cache(maxsize=1 << 16)
def _function_at(image: Path, mtime: float, pc: int) -> str:
    """A trace repeats the same few hundred pcs: each is looked up once."""
    ext, los = _extents(image, mtime)
    i = bisect.bisect_right(los, pc)
    best: Extent | None = None
    # extents are nested, so a short look back finds every one containing pc
    for e in ext[max(0, i - 4096):i]:
        if e.lo <= pc < e.hi and not e.header and (best is None or e.depth >= best.depth):
            best = e
    return best.name if best else "?"


def name_offsets(image: Path, text: str, pattern: str) -> str:
    """@text with the function appended to each image offset that @pattern's
    first group (hex) matches: `ip +0x4883` becomes `ip +0x4883 in pida_steal()`."""
    def named(found: re.Match[str]) -> str:
        func = function_at(image, int(found.group(1), 16))
        return found.group(0) if func == "?" else f"{found.group(0)} in {func}()"
    return re.sub(pattern, named, text)


def helper_ranges(image: Path) -> list[tuple[int, int]]:
    """Code that is not a scheduling point's place: out-of-line copies of
    header inline functions, and the plain-access hooks of memtrace.c.
    Sorted and merged, as hk_det_helpers() wants them."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted((e.lo, e.hi) for e in extents(image) if e.depth == 0 and (
            e.header or e.name.startswith(("__tsan_", "shim_det_mem")))):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def build_id(image: Path) -> str:
    """The image's GNU build id (what a recorded replay was made on), in
    short hex; a digest of the file where the linker wrote none."""
    with image.open("rb") as f:
        note = ELFFile(f).get_section_by_name(".note.gnu.build-id")
        if note is not None:
            for n in note.iter_notes():
                if n["n_type"] == "NT_GNU_BUILD_ID":
                    return str(n["n_desc"])[:12]
    import hashlib

    return hashlib.sha1(image.read_bytes()).hexdigest()[:12]
