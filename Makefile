# The kernel in a process: build, test, torture.  `make help` lists targets.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
CC       ?= gcc

# SAN=thread|address|undefined builds a sanitized tree under build/<san>/.
SAN      ?=
# COVERAGE=1 (make coverage) builds the allocators with gcov under build/coverage/.
COVERAGE ?=
BUILD    := build/$(if $(SAN),$(SAN),$(if $(COVERAGE),coverage,default))
# no inlining there, so that the shims' inline helpers count as theirs, not the port's
COVFLAGS := $(if $(COVERAGE),--coverage -fno-inline,)
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN),) $(if $(filter undefined,$(SAN)),-fno-sanitize-recover=all,)

CFLAGS   := -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -pthread \
	    -fno-strict-aliasing -fno-omit-frame-pointer -Wall \
	    -Wno-sign-compare -Wno-unused-function -Wno-address-of-packed-member \
	    -Wno-format-truncation -D_GNU_SOURCE \
	    -Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
	    $(SANFLAGS) $(EXTRA_CFLAGS)
SHIM_INC := -Ishims/include
KPORT_INC := -Ikernel_port/include

RUNTIME_SRCS := $(wildcard shims/*.c) shims/harness/selftest.c shims/harness/selftest_api.c
DRIVER_SRCS  := kernel_port/drivers/block/tagblk.c
RUNTIME_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(RUNTIME_SRCS))
HARNESS_SRCS := shims/harness/pida.c shims/harness/torture.c shims/harness/bench.c \
		shims/harness/bench_run.c \
		shims/harness/detrun.c
TLS_LIB      := $(BUILD)/libshimcurrent.so

# Drop-in: an upstream lib/percpu_ida.c and its header, unmodified; V=1 reaches
# the image builds that Python runs.
export PERCPU_IDA_SRC PERCPU_IDA_H PERCPU_IDA_GEN SBITMAP_SRC SBITMAP_H SAN V

# `make torture` tortures this allocator for DURATION seconds; ARGS adds flags.
TORTURE_TYPE ?= $(if $(PERCPU_IDA_SRC),dropin,$(if $(SBITMAP_SRC),sbitmap,percpu_ida))
DURATION     ?= 30
V            ?= 0
Q            := $(if $(filter 1,$(V)),,@)

.PHONY: all build venv test torture bench bench-fastpath bench-instructions coverage mutants lint help clean image runtime

all: build

help:
	@echo "make                 build the virtualenv and every kernel image"
	@echo "make test            run the pytest suites"
	@echo "make torture         torture TORTURE_TYPE (default $(TORTURE_TYPE)) for DURATION s (default $(DURATION));"
	@echo "                     ARGS='--nr_cpus 4 --seed 42 ...' passes flags (python -m torture run --help)"
	@echo "make bench           every allocator, workload and thread count: table, JSON and PNGs in"
	@echo "                     bench/results/ (BENCH_ARGS='--threads 1,2 --duration 0.3 ...')"
	@echo "make bench-fastpath  percpu_ida fast path against a per-cpu spinlock stack, same run"
	@echo "make bench-instructions  instructions per fast-path pair, counted by callgrind"
	@echo "make coverage        the suite over gcov builds: HTML + Cobertura XML, every miss explained"
	@echo "make mutants         mutants of an allocator through the default campaign: kill rate, the"
	@echo "                     check that killed each, survivors' diffs in bench/results/"
	@echo "                     (MUTANTS_ARGS='--allocator percpu_ida_v1 --jobs 4 --only steal ...')"
	@echo "make lint            ruff on the Python side"
	@echo "make clean           remove build/ (keeps .venv)"
	@echo "V=1                  show the compiler command lines"
	@echo "Drop-in: add PERCPU_IDA_SRC=.../lib/percpu_ida.c PERCPU_IDA_H=.../include/linux/percpu_ida.h"
	@echo "         (and PERCPU_IDA_GEN=0|1|2|3 to override the generation read from its"
	@echo "         declarations) to build, test, torture or explore it; SBITMAP_SRC=.../lib/sbitmap.c"
	@echo "         SBITMAP_H=.../include/linux/sbitmap.h an upstream sbitmap (TORTURE_TYPE=sbitmap)"

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.stamp

build: venv
	$(PY) -m torture build $(if $(SAN),--san $(SAN),)

# a sanitized run preloads the sanitizer's runtime into Python
SAN_ENV = $(if $(SAN),$(shell $(PY) -c "from torture import sanitizers; \
	print(' '.join(f'{k}={v}' for k, v in sanitizers.environment('$(SAN)').items()))"),)

test: build
	$(SAN_ENV) $(PY) -m pytest -q pytests $(PYTEST_ARGS)

torture: build
	$(PY) -m torture run --torture_type $(TORTURE_TYPE) --duration $(DURATION) $(ARGS)

bench: build
	$(PY) -m torture bench $(BENCH_ARGS)

bench-fastpath: build
	$(PY) -m torture bench-fastpath

bench-instructions: build
	$(PY) -m torture.bench_instructions

# gcov over the whole suite: HTML and Cobertura XML under build/coverage/report/,
# and a summary that explains every branch the suite cannot reach
coverage: venv
	COVERAGE=1 $(PY) -m torture build
	find build/coverage -name '*.gcda' -delete
	COVERAGE=1 $(PY) -m pytest -q pytests $(PYTEST_ARGS)
	$(PY) -m torture.coverage

mutants: build
	$(PY) -m torture.mutants $(MUTANTS_ARGS)

lint: venv
	$(VENV)/bin/ruff check torture pytests bench

clean:
	rm -rf build

# ---- the C side: the runtime objects, the shared TLS word, images ----

SHIM_HDRS := $(wildcard shims/include/*/*.h shims/include/linux/sched/*.h shims/*.h shims/harness/*.h)

$(BUILD)/obj/%.o: %.c $(SHIM_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -DSHIM_RUNTIME $(SHIM_INC) -c $< -o $@

$(TLS_LIB): shims/tls/current.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -shared -Wl,-soname,libshimcurrent.so -o $@ $<

runtime: $(RUNTIME_OBJS) $(TLS_LIB)

# One image: IMG (name), IMG_SRC (.c), IMG_HDR (header), IMG_GEN (311 the posting,
# 312, 313, 314: see torture/generation.py), IMG_DROPIN (a user's file),
# IMG_PATCH (optional mutant patch), and for a baseline allocator IMG_API (its
# name: the prefix of its entry points) and IMG_LIBS (the library .c files
# under it).  torture/images.py computes these.
ifdef IMG
IMG_DIR   := $(BUILD)/img/$(IMG)
IMG_HNAME := $(notdir $(IMG_HDR))
ifdef IMG_PATCH
# a variant: the sources and header copied into a small tree, then patched
IMG_TREE  := $(IMG_DIR)/src
IMG_C     := $(IMG_TREE)/lib/$(notdir $(IMG_SRC))
IMG_LIB_C := $(addprefix $(IMG_TREE)/lib/,$(notdir $(IMG_LIBS)))
IMG_DRIVER_C := $(IMG_TREE)/$(DRIVER_SRCS:kernel_port/%=%)
IMG_OVER  := $(IMG_TREE)/include
else
IMG_C     := $(IMG_SRC)
IMG_LIB_C := $(IMG_LIBS)
IMG_DRIVER_C := $(DRIVER_SRCS)
IMG_OVER  := $(IMG_DIR)/include
endif
# fail_function: the allocator's entry points, wrapped at link time
ifdef IMG_API
IMG_INIT  := $(IMG_API)_init
IMG_WRAP  := -Wl,--wrap=$(IMG_API)_alloc -Wl,--wrap=$(IMG_INIT)
else ifeq ($(IMG_GEN),311)
IMG_WRAP  := -Wl,--wrap=percpu_tag_alloc -Wl,--wrap=percpu_tag_pool_init
else
IMG_INIT  := $(if $(filter 312,$(IMG_GEN)),percpu_ida_init,__percpu_ida_init)
IMG_WRAP  := -Wl,--wrap=percpu_ida_alloc -Wl,--wrap=$(IMG_INIT)
endif
# Every symbol must resolve at link time, so that a call the shims do not
# provide is a build error, not a crash at run time (ASan and TSan images
# take their runtime from the preloaded library, so not there).
IMG_DEFS  := $(if $(filter thread address,$(SAN)),,-Wl,-z,defs)
# A drop-in (IMG_DROPIN=1) sees its own header, then the kernel API: the
# project's kernel_port/include comes last, for the driver's header only, so
# it never shadows a kernel header (<linux/idr.h>, <linux/sbitmap.h>).
IMG_INCS  := -I$(IMG_OVER) $(if $(IMG_DROPIN),$(SHIM_INC) -idirafter kernel_port/include,$(KPORT_INC) $(SHIM_INC))
IMG_VERSION := $(if $(filter 311,$(IMG_GEN)),3 11,$(if $(filter 312,$(IMG_GEN)),3 12,$(if $(filter 313,$(IMG_GEN)),3 13,3 14)))
IMG_CFLAGS := $(IMG_INCS) -DPIDA_GEN=$(IMG_GEN) $(IMG_FEATURES) \
	      -DSHIM_LINUX_VERSION_CODE='KERNEL_VERSION($(word 1,$(IMG_VERSION)), $(word 2,$(IMG_VERSION)), 0)' \
	      '-DPIDA_HEADER="linux/$(IMG_HNAME)"' $(if $(IMG_API),-DTAG_POOL=$(IMG_API),)
IMG_ALL_C := $(IMG_C) $(IMG_LIB_C)
KPORT_HDRS := $(wildcard kernel_port/include/linux/*.h)

# Compile the allocator's sources with $(2) into object $(1): one object,
# linked with ld -r when there are several.
define compile_alloc
	set -e; objs=; for src in $(IMG_ALL_C); do \
		obj=$(1).$$(basename $$src .c).part.o; \
		$(if $(filter 1,$(V)),echo "$(CC) $(CFLAGS) $(COVFLAGS) $(subst ',,$(IMG_CFLAGS)) $(2) -c $$src -o $$obj";) \
		$(CC) $(CFLAGS) $(COVFLAGS) $(IMG_CFLAGS) $(2) -c $$src -o $$obj; \
		objs="$$objs $$obj"; \
	done; \
	if [ $(words $(IMG_ALL_C)) = 1 ]; then mv $$objs $(1); \
	else ld -r -o $(1) $$objs; rm -f $$objs; fi
endef

# the driver includes <linux/percpu_ida.h>: whatever the image's header is
# called, the overlay offers it under that name too
ALIAS_HEADER = [ "$(IMG_HNAME)" = percpu_ida.h ] || \
	cp $(IMG_OVER)/linux/$(IMG_HNAME) $(IMG_OVER)/linux/percpu_ida.h
# the driver follows percpu_ida's API generation (LINUX_VERSION_CODE)
IMG_DRIVER := $(if $(IMG_API),,$(IMG_DIR)/tagblk.o $(IMG_DIR)/tagblk_glue.o)

image: $(BUILD)/images/$(IMG).so

$(IMG_DIR)/tagblk.o: $(IMG_DRIVER_C) $(IMG_OVER)/linux/$(IMG_HNAME) $(SHIM_HDRS) kernel_port/include/linux/tagblk.h
	@echo "  CC      $< [$(IMG)]"
	$(Q)$(CC) $(CFLAGS) $(IMG_CFLAGS) -MMD -MP -c $< -o $@

ifdef IMG_PATCH
$(IMG_C): $(IMG_SRC) $(IMG_LIBS) $(IMG_HDR) $(DRIVER_SRCS) $(IMG_PATCH)
	@echo "  PATCH   $(notdir $(IMG_PATCH))"
	$(Q)rm -rf $(IMG_TREE) && mkdir -p $(IMG_TREE)/lib $(IMG_OVER)/linux $(dir $(IMG_DRIVER_C))
	$(Q)cp $(IMG_SRC) $(IMG_LIBS) $(IMG_TREE)/lib/ && cp $(IMG_HDR) $(IMG_OVER)/linux/$(IMG_HNAME)
	$(Q)cp $(DRIVER_SRCS) $(IMG_DRIVER_C)
	$(Q)patch -s -p1 --no-backup-if-mismatch -d $(IMG_TREE) < $(abspath $(IMG_PATCH))
	$(Q)$(ALIAS_HEADER)

$(IMG_OVER)/linux/$(IMG_HNAME) $(IMG_LIB_C) $(IMG_DRIVER_C): $(IMG_C)
else
$(IMG_OVER)/linux/$(IMG_HNAME): $(IMG_HDR)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
	$(Q)$(ALIAS_HEADER)
endif

# an upstream <linux/sbitmap.h> (SBITMAP_H), under the sbitmap adapter
ifdef IMG_SBITMAP_H
IMG_EXTRA_HDRS := $(IMG_OVER)/linux/sbitmap.h
$(IMG_OVER)/linux/sbitmap.h: $(IMG_SBITMAP_H)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
endif

$(IMG_DIR)/alloc.o: $(IMG_ALL_C) $(IMG_OVER)/linux/$(IMG_HNAME) $(IMG_EXTRA_HDRS) $(SHIM_HDRS) $(KPORT_HDRS)
	@echo "  CC      $(IMG_ALL_C)"
	$(Q)$(call compile_alloc,$@,)

# The deterministic engine's copy: plain loads and stores instrumented by
# GCC's ThreadSanitizer pass, answered by shims/memtrace.c rather than libtsan
# (not under SAN=thread|address, which own those hooks), every global symbol
# renamed det_*; its memcpy, memmove and memset are points too.
MEMTRACE := $(if $(filter thread address,$(SAN)),,-fsanitize=thread -U__SANITIZE_THREAD__ \
	    --param tsan-instrument-func-entry-exit=0 --param tsan-distinguish-volatile=1)

$(IMG_DIR)/alloc_det.o: $(IMG_ALL_C) $(IMG_OVER)/linux/$(IMG_HNAME) $(IMG_EXTRA_HDRS) $(SHIM_HDRS) $(KPORT_HDRS)
	@echo "  CC      $(IMG_ALL_C) [det copy]"
	$(Q)$(call compile_alloc,$@.tmp,$(MEMTRACE))
	$(Q)nm --defined-only -g $@.tmp | awk '{ print $$3 " det_" $$3 }' > $@.syms
	$(Q)printf 'memcpy shim_det_memcpy\nmemmove shim_det_memmove\nmemset shim_det_memset\n' >> $@.syms
	$(Q)objcopy --redefine-syms=$@.syms $@.tmp $@
	$(Q)rm -f $@.tmp $@.syms

$(IMG_DIR)/%.o: shims/harness/%.c $(IMG_OVER)/linux/$(IMG_HNAME) $(IMG_EXTRA_HDRS) $(SHIM_HDRS)
	@echo "  CC      $< [$(IMG)]"
	$(Q)$(CC) $(CFLAGS) $(IMG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/images/$(IMG).so: $(IMG_DIR)/alloc.o $(IMG_DIR)/alloc_det.o $(patsubst shims/harness/%.c,$(IMG_DIR)/%.o,$(HARNESS_SRCS)) $(IMG_DRIVER) $(RUNTIME_OBJS) $(TLS_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(COVFLAGS) -shared -o $@ $(filter %.o,$^) -L$(BUILD) \
		-lshimcurrent -ldl $(IMG_WRAP) $(IMG_DEFS)

-include $(IMG_DIR)/*.d
endif
