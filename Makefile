# The kernel in a process: build, test, torture.  `make help` lists targets.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
CC       ?= gcc

# SAN=thread|address|undefined builds a sanitized tree under build/<san>/.
SAN      ?=
BUILD    := build/$(if $(SAN),$(SAN),default)
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN),)

CFLAGS   := -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -pthread \
	    -fno-strict-aliasing -fno-omit-frame-pointer -Wall \
	    -Wno-sign-compare -Wno-unused-function -Wno-address-of-packed-member \
	    -Wno-format-truncation -D_GNU_SOURCE \
	    -Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
	    $(SANFLAGS) $(EXTRA_CFLAGS)
SHIM_INC := -Ishims/include
KPORT_INC := -Ikernel_port/include

RUNTIME_SRCS := $(wildcard shims/*.c) shims/harness/selftest.c
RUNTIME_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(RUNTIME_SRCS))
HARNESS_SRCS := shims/harness/pida.c shims/harness/torture.c shims/harness/bench.c
TLS_LIB      := $(BUILD)/libshimcurrent.so

# Drop-in: an upstream lib/percpu_ida.c and its header, unmodified.
export PERCPU_IDA_SRC PERCPU_IDA_H PERCPU_IDA_GEN SAN

.PHONY: all build venv test torture bench-fastpath lint help clean image

all: build

help:
	@echo "make              build the virtualenv and every kernel image"
	@echo "make test         run the pytest suites (SAN=... for a sanitized build)"
	@echo "make torture      run the default torture campaign (ARGS='--duration 60 ...')"
	@echo "make bench-fastpath  percpu_ida fast path against a per-cpu spinlock stack"
	@echo "make lint         ruff on the Python side"
	@echo "make clean        remove build/ (keeps .venv)"
	@echo "Drop-in: make test PERCPU_IDA_SRC=path/lib/percpu_ida.c PERCPU_IDA_H=path/include/linux/percpu_ida.h"

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.stamp

build: venv
	$(PY) -m torture build

test: build
	$(PY) -m pytest -q pytests

torture: build
	$(PY) -m torture run $(ARGS)

bench-fastpath: build
	$(PY) -m torture bench-fastpath

lint: venv
	$(VENV)/bin/ruff check torture pytests bench

clean:
	rm -rf build

# ---- the C side: the runtime objects, the shared TLS word, images ----

$(BUILD)/obj/%.o: %.c $(wildcard shims/include/*/*.h shims/include/linux/sched/*.h shims/*.h shims/harness/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SHIM_INC) -c $< -o $@

$(TLS_LIB): shims/tls/current.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libshimcurrent.so -o $@ $<

runtime: $(RUNTIME_OBJS) $(TLS_LIB)

# One image: IMG (name), IMG_SRC (.c), IMG_HDR (header), IMG_GEN (312/313/314),
# IMG_PATCH (optional mutant patch).  torture/images.py computes these.
ifdef IMG
IMG_DIR   := $(BUILD)/img/$(IMG)
IMG_C     := $(if $(IMG_PATCH),$(IMG_DIR)/src/$(notdir $(IMG_SRC)),$(IMG_SRC))
IMG_HNAME := $(notdir $(IMG_HDR))
IMG_OVER  := $(IMG_DIR)/include
IMG_CFLAGS := -I$(IMG_OVER) $(KPORT_INC) $(SHIM_INC) -DPIDA_GEN=$(IMG_GEN) \
	      '-DPIDA_HEADER="linux/$(IMG_HNAME)"'

image: $(BUILD)/images/$(IMG).so

$(IMG_OVER)/linux/$(IMG_HNAME): $(IMG_HDR)
	@mkdir -p $(dir $@)
	cp $< $@

ifdef IMG_PATCH
$(IMG_C): $(IMG_SRC) $(IMG_PATCH)
	@mkdir -p $(dir $@)
	cp $(IMG_SRC) $@
	patch -s --no-backup-if-mismatch $@ < $(IMG_PATCH)
endif

$(IMG_DIR)/alloc.o: $(IMG_C) $(IMG_OVER)/linux/$(IMG_HNAME)
	$(CC) $(CFLAGS) $(IMG_CFLAGS) -MMD -c $(IMG_C) -o $@

$(IMG_DIR)/%.o: shims/harness/%.c $(IMG_OVER)/linux/$(IMG_HNAME) shims/harness/harness.h
	$(CC) $(CFLAGS) $(IMG_CFLAGS) -MMD -c $< -o $@

$(BUILD)/images/$(IMG).so: $(IMG_DIR)/alloc.o $(patsubst shims/harness/%.c,$(IMG_DIR)/%.o,$(HARNESS_SRCS)) $(RUNTIME_OBJS) $(TLS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $(filter %.o,$^) -L$(BUILD) -lshimcurrent -ldl

-include $(IMG_DIR)/*.d
endif
