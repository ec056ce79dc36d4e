"""`make mutants`: the generator's operators, the equivalence list, and the
campaign's verdicts on a few mutants of each kind."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from torture import images, mutants, mutate

SNIPPET = b"""
static int f(struct pool *p, int n)
{
	int i, sum = 0;

	BUG_ON(n > 10);
	spin_lock(&p->lock);
	for (i = 0; i < n && !p->stop; i++)
		sum += p->a[i] + 1;
	smp_mb();
	if (p->waiting)
		wake_up(&p->wait);
	cpumask_set_cpu(3, &p->mask);
	spin_unlock(&p->lock);
	return sum;
}
"""


def test_every_operator_is_generated_and_none_inside_the_kernels_own_assertions():
    found = mutate.mutants(SNIPPET)
    assert {m.operator for m in found} == {
        "relational", "logical", "negation-removed", "constant", "increment", "compound",
        "arithmetic", "condition-negated", "delete-lock", "delete-barrier", "delete-wake",
        "delete-mask", "delete-statement"}
    assert not [m for m in found if m.line == 6], "BUG_ON's condition is not the code's"
    locks = {m.old.strip() for m in found if m.operator == "delete-lock"}
    assert locks == {"spin_lock(&p->lock);", "spin_unlock(&p->lock);"}
    for m in found:  # each changes exactly its own text
        mutated, tail = m.apply(SNIPPET), len(SNIPPET) - m.end
        assert mutated != SNIPPET and SNIPPET[m.start:m.end].decode() == m.old
        assert mutated[:m.start] == SNIPPET[:m.start] and mutated[-tail:] == SNIPPET[-tail:]


def test_ids_stay_when_another_function_changes():
    other = b"static void g(int *x)\n{\n\tif (*x == 1)\n\t\t*x += 2;\n}\n"
    before = {m.id: m.describe() for m in mutate.mutants(SNIPPET)}
    after = {m.id: m.describe().split(": ", 1)[1] for m in mutate.mutants(other + SNIPPET)
             if m.id.startswith("f:")}
    assert {k: v.split(": ", 1)[1] for k, v in before.items()} == after


@pytest.mark.parametrize("allocator", sorted({**images.PORTS, **images.BASELINES}))
def test_every_mutant_patch_applies_to_the_tree_images_build_from(allocator, tmp_path):
    for source in mutants.sources_of(allocator):
        (tmp_path / "lib").mkdir(exist_ok=True)
        (tmp_path / "lib" / source.name).write_bytes(source.read_bytes())
        text = source.read_bytes()
        found = mutate.mutants(text)
        assert len(found) >= 20, f"{source.name}: only {len(found)} mutants"
        for m in found[::7]:
            patch = m.patch(text, f"lib/{source.name}")
            proc = subprocess.run(["patch", "-p1", "--dry-run", "-d", str(tmp_path)],
                                  input=patch, text=True, capture_output=True)
            assert proc.returncode == 0, (m.id, proc.stdout, proc.stderr)


def test_the_equivalence_list_names_live_mutants_with_reasons():
    """A listed mutant the generator no longer makes is a stale entry."""
    text = mutants.EQUIVALENT.read_text()
    for allocator in sorted({line.split()[0] for line in text.splitlines()
                             if line.strip() and not line.startswith("#")}):
        listed = mutants.equivalent_mutants(allocator)
        made = {m.id for src in mutants.sources_of(allocator) for m in mutate.mutants_of(src)}
        assert set(listed) <= made, set(listed) - made
        assert all(len(reason) > 20 for reason in listed.values())


def test_a_campaign_gives_each_kind_of_verdict(tmp_path):
    """A lock dropped (the deterministic suite's lockdep report), the tag
    limit off by one (only the allocator suites' boundary test), a deleted
    declaration (it does not build), and a listed equivalent; the control
    before them passes every stage."""
    c = mutants.Campaign("percpu_ida", mutants.sources_of("percpu_ida"), jobs=2,
                         torture_seconds=1.0, seed=1,
                         equivalent={"pida_steal:delete-statement:5": "listed"})
    lines: list[str] = []
    only = (r"^(pida_pop_local:delete-lock:1|__percpu_ida_init:relational:1|"
            r"percpu_ida_alloc:delete-statement:1|pida_steal:delete-statement:5)$")
    mutants.run(c, emit=lines.append, only=re.compile(only))
    got = {v.id: v for v in c.verdicts}
    assert lines[0].startswith("[control] percpu_ida unmutated: passed every stage")
    assert len(lines) == 5
    lock = got["pida_pop_local:delete-lock:1"]
    assert (lock.status, lock.stage, lock.check) == ("killed", "det:standard", "kernel-report")
    assert "MUTANT_BASE=percpu_ida MUTANT_PATCH=<patch>" in lock.rerun
    limit = got["__percpu_ida_init:relational:1"]
    assert (limit.status, limit.stage, limit.check) == \
        ("killed", "api", "api:test_the_largest_tag_count_is_not_einval"), limit
    assert got["percpu_ida_alloc:delete-statement:1"].status == "stillborn"
    assert got["pida_steal:delete-statement:5"].status == "equivalent"
    assert mutants.summary(c)["kill_rate"] == 1.0
    for v in c.verdicts:  # each mutant's image is gone (another campaign's may not be)
        patch = tmp_path / "p.patch"
        patch.write_text(v.diff)
        spec = images.mutant("percpu_ida", patch)
        assert not (images.build_dir(None) / "images" / f"{spec.name}.so").exists(), v.id


def test_the_torture_stage_names_the_topology_and_check(tmp_path):
    """A catalogue bug as a mutant's patch: the threaded runs kill it."""
    patch = images.PORT / "broken/no-wake-on-first-free.patch"
    c = mutants.Campaign("percpu_ida", [], jobs=1, torture_seconds=5.0, seed=1)
    v = mutants.Verdict("no-wake", "delete-wake", 0, "", "survived")
    spec = images.mutant("percpu_ida", patch)
    images.build(spec)
    try:
        assert mutants._torture(c, v, mutants._env("percpu_ida", patch), tmp_path)
    finally:
        mutants._clean_build(spec)
    assert (v.stage, v.check) == ("torture:default", "liveness"), v
    assert v.rerun.startswith(f"MUTANT_BASE=percpu_ida MUTANT_PATCH={patch} ")


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "--jobs=0: must be at least 1"),
    (["--allocator", "nope"], "--allocator 'nope': use one of"),
    (["--torture_seconds", "0"], "--torture_seconds=0.0: must be positive"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "torture.mutants", *args],
                          capture_output=True, text=True, cwd=images.ROOT)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {message}") and proc.stderr.count("\n") == 1


def test_a_mutant_image_needs_a_base_and_a_patch(monkeypatch, tmp_path):
    from torture.errors import InvalidArgument, UnknownAllocator

    monkeypatch.delenv("MUTANT_BASE", raising=False)
    monkeypatch.delenv("MUTANT_PATCH", raising=False)
    with pytest.raises(UnknownAllocator, match="needs MUTANT_BASE and MUTANT_PATCH"):
        images.lookup("mutant")
    monkeypatch.setenv("MUTANT_BASE", "percpu_ida")
    monkeypatch.setenv("MUTANT_PATCH", str(tmp_path / "missing.patch"))
    with pytest.raises(InvalidArgument, match="no such file"):
        images.lookup("mutant")
