"""Mutants of a C source, generated on its parse tree (tree-sitter's C
grammar): what `make mutants` runs the harness against.

The operators are the classic ones of mutation testing (Offutt's ROR, AOR,
LCR, UOI/UOD, CRP, SDL), with statement deletion split by what the statement
was, because a kernel reviewer asks about those by name: a lock or irq
state call, a barrier, a wakeup, a bit or mask update, any other statement.

Only code inside function bodies is mutated; code the parser could not read
(an ERROR node: a kernel macro it does not know) is left alone.  Each mutant
has an id that stays the same while its function and the code around it do
not change: `function:operator:n`, n counting that operator in that function.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RELATIONAL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITHMETIC = {"+": "-", "-": "+"}
LOGICAL = {"&&": "||", "||": "&&"}
COMPOUND = {"+=": "-=", "-=": "+="}
UPDATE = {"++": "--", "--": "++"}

# what a deleted call statement was, by the callee's name
CALL_KINDS = (
    ("lock", re.compile(r"lock|irq_(save|restore)|local_irq|preempt_(dis|en)able")),
    ("barrier", re.compile(r"^(smp_)?(mb|rmb|wmb|barrier)|mb__(before|after)|_release$|"
                           r"_acquire$")),
    ("wake", re.compile(r"wake_up|prepare_to_wait|finish_wait|schedule")),
    ("mask", re.compile(r"cpumask_|_bit$|^(set|clear)_bit")),
)
CHECKS = re.compile(r"^(BUG_ON|WARN_ON|WARN_ON_ONCE|BUILD_BUG_ON|pr_\w+|printk)$")


@dataclass(frozen=True)
class Mutant:
    id: str  # function:operator:n
    operator: str
    line: int  # 1-based
    old: str  # the text replaced
    new: str
    start: int  # byte offsets of @old in the source
    end: int

    def apply(self, source: bytes) -> bytes:
        return source[:self.start] + self.new.encode() + source[self.end:]

    def patch(self, source: bytes, path: str) -> str:
        """A unified diff (-p1 from the tree's root) with the mutant's id and
        change on its first line, as the catalogue's patches have."""
        before = source.decode().splitlines(keepends=True)
        after = self.apply(source).decode().splitlines(keepends=True)
        diff = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}", n=3)
        return f"# mutant {self.id}: {self.describe()}\n" + "".join(diff)

    def describe(self) -> str:
        old = " ".join(self.old.split())
        new = " ".join(self.new.split()) or "(deleted)"
        return f"line {self.line}: {old} -> {new}"


@cache
def _parser():
    import tree_sitter
    import tree_sitter_c

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def _text(source: bytes, node) -> str:
    return source[node.start_byte:node.end_byte].decode()


def _callee(node) -> str | None:
    """The name an expression statement calls, if it is a call."""
    expr = node.named_children[0] if node.named_children else None
    if expr is not None and expr.type == "call_expression":
        fn = expr.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            return fn.text.decode()
    return None


def _kind_of_call(name: str | None) -> str:
    for kind, pattern in CALL_KINDS:
        if name and pattern.search(name):
            return kind
    return "statement"


def _in_check(node) -> bool:
    """Inside the arguments of BUG_ON/WARN_ON/pr_*: the kernel's own
    assertions and messages are not the allocator's logic."""
    while node is not None:
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and CHECKS.match(fn.text.decode()):
                return True
        node = node.parent
    return False


def _changes(source: bytes, node) -> Iterator[tuple[str, int, int, str]]:
    """(operator, start, end, replacement) for each mutation of @node itself."""
    kind = node.type
    if kind in ("binary_expression", "assignment_expression", "update_expression"):
        op = node.child_by_field_name("operator")
        if op is None:
            return
        text = op.type
        for table, name in ((RELATIONAL, "relational"), (ARITHMETIC, "arithmetic"),
                            (LOGICAL, "logical"), (COMPOUND, "compound"),
                            (UPDATE, "increment")):
            if kind != "update_expression" and table is UPDATE:
                continue
            if text in table:
                yield name, op.start_byte, op.end_byte, table[text]
                return
    elif kind == "unary_expression":
        op = node.child_by_field_name("operator")
        if op is not None and op.type == "!":
            yield "negation-removed", op.start_byte, op.end_byte, ""
    elif kind == "parenthesized_expression" and node.parent is not None and \
            node.parent.type in ("if_statement", "while_statement") and \
            node.named_children[0].type != "unary_expression":  # `!x`: negation-removed
        inner = _text(source, node)[1:-1]
        yield "condition-negated", node.start_byte, node.end_byte, f"(!({inner}))"
    elif kind == "number_literal":
        text = _text(source, node)
        if re.fullmatch(r"\d+[uUlL]*", text):
            value = int(re.match(r"\d+", text).group())
            yield "constant", node.start_byte, node.end_byte, str(value + 1)
            if value:
                yield "constant", node.start_byte, node.end_byte, str(value - 1)
    elif kind == "expression_statement" and node.parent is not None and \
            node.parent.type in ("compound_statement", "if_statement", "for_statement",
                                 "while_statement", "else_clause"):
        callee = _callee(node)
        if callee and CHECKS.match(callee):
            return
        yield f"delete-{_kind_of_call(callee)}", node.start_byte, node.end_byte, ";"
    elif kind in ("break_statement", "continue_statement"):
        yield "delete-statement", node.start_byte, node.end_byte, ";"


def _walk(node) -> Iterator:
    """@node and what is below it, but nothing the parser could not read,
    nor a statement that follows such a piece (it may be only its tail)."""
    yield node
    after_error = False
    for child in node.children:
        if child.type != "ERROR" and not after_error:
            yield from _walk(child)
        after_error = child.type == "ERROR"


def _function_name(node) -> str:
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    name = decl.child_by_field_name("declarator") if decl is not None else None
    return name.text.decode() if name is not None else "?"


def mutants(source: bytes) -> list[Mutant]:
    """Every mutant of the functions in @source, in source order."""
    tree = _parser().parse(source)
    found: list[Mutant] = []
    for fn in tree.root_node.children:
        if fn.type != "function_definition":
            continue
        name, seen = _function_name(fn), Counter()
        body = fn.child_by_field_name("body")
        for node in _walk(body):
            if _in_check(node):
                continue
            for operator, start, end, new in _changes(source, node):
                seen[operator] += 1
                found.append(Mutant(f"{name}:{operator}:{seen[operator]}", operator,
                                    source.count(b"\n", 0, start) + 1,
                                    source[start:end].decode(), new, start, end))
    return found


def mutants_of(path: Path) -> list[Mutant]:
    return mutants(path.read_bytes())
