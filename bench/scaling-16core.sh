#!/bin/sh
# The 16-core scaling run of docs/why-not-ida.md, as one prepared script for
# a lent machine (the `device` tool): run from the repository root, with
# build/default carried along (or gcc and make there to build it).  Plots are
# left to this machine; the JSON and the table come back under $OUT.
set -e
OUT=${OUT:-bench/results}
python3 -m torture bench --threads 1,2,4,8,16 --duration 0.3 --rounds 3 \
	--no-plots --tag bench-16core --out "$OUT" | tee "$OUT/bench-16core.txt"
