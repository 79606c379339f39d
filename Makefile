# nvmetrace build. `make V=1` shows full commands.
VERSION		:= 0.1.0
PREFIX		?= /usr/local
DESTDIR		?=
BUILD		:= build

CC		?= cc
CLANG		?= clang
BPFTOOL		?= bpftool
PKG_CONFIG	?= pkg-config

ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH	:= $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -MMD -MP \
		   -I$(BUILD) -Isrc -DNVMETRACE_VERSION='"$(VERSION)"'
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
		   $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))
# libbpf and libnvme are linked statically so the binary runs where they
# are not installed; libelf and zlib are everywhere and stay shared, as does
# ISA-L (Debian ships no static one), whose CRC-32 the capture files use.
# From libnvme only the status names are linked (util.o, about 40 KiB): it
# pulls in none of libnvme's own dependencies (json-c, OpenSSL).
LIBBPF_A	:= $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
LIBNVME_A	:= $(shell $(PKG_CONFIG) --variable=libdir libnvme 2>/dev/null)/libnvme.a
LDLIBS		+= $(LIBBPF_A) $(LIBNVME_A) -lelf -lz -lisal -lm -lpthread

ifeq ($(V),1)
Q		:=
msg		:=
else
Q		:= @
msg		= @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean install check check-unit check-vm check-kernels bench bench-ab fuzz fuzz-corpus

SRCS		:= $(wildcard src/*.c)
OBJS		:= $(patsubst src/%.c,$(BUILD)/%.o,$(SRCS))
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(wildcard bpf/*.bpf.c))
SKELS		:= $(BPF_OBJS:.bpf.o=.skel.h)

all: $(BUILD)/nvmetrace

$(BUILD):
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c src/record.h src/hist.h $(wildcard bpf/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OBJS): $(SKELS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/nvmetrace: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Unit tests: pure code only, no root, no BPF.
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(filter-out $(BUILD)/main.o,$(OBJS))
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(filter-out $(BUILD)/main.o,$(OBJS)) $(LDLIBS) -o $@

# The same unit tests built with AddressSanitizer and UBSan (lines read
# "PASS unit-asan ..."): any sanitizer report aborts the binary, and
# tests/run-all turns that into a FAIL line.
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LIB_SRCS	:= $(filter-out src/main.c,$(SRCS))
ASAN_OBJS	:= $(patsubst src/%.c,$(BUILD)/asan/%.o,$(LIB_SRCS))
ASAN_UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/asan/%,$(UNIT_SRCS))

$(ASAN_OBJS): $(SKELS)

$(BUILD)/asan/%.o: src/%.c
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/asan/test_%: tests/unit/test_%.c tests/unit/unit.h $(ASAN_OBJS)
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -DUNIT_WHERE='"unit-asan"' -Itests/unit $< \
		$(ASAN_OBJS) $(LDLIBS) -o $@

# libFuzzer targets (tests/fuzz/): clang, the src objects again with
# coverage, ASan and UBSan. make fuzz runs each for FUZZ_TIME seconds on a
# copy of tests/fuzz/corpus/ in $(BUILD)/fuzz/.
FUZZ_TIME	?= 60
FUZZ_CFLAGS	:= $(filter-out -Wno-format-truncation,$(CFLAGS)) $(SAN_FLAGS)
FUZZ_OBJS	:= $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_OBJS): $(SKELS)

$(BUILD)/fuzz/obj/%.o: src/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< $(FUZZ_OBJS) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)BUILD="$(BUILD)" FUZZ_TIME="$(FUZZ_TIME)" tests/fuzz/run.sh

# Rewrite the seed corpus (tests/fuzz/corpus/) with nvmetrace's own writer.
$(BUILD)/fuzz/mkcorpus: tests/fuzz/mkcorpus.c tests/fuzz/fuzz.h $(filter-out $(BUILD)/main.o,$(OBJS))
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz $< $(filter-out $(BUILD)/main.o,$(OBJS)) $(LDLIBS) -o $@

fuzz-corpus: $(BUILD)/fuzz/mkcorpus
	$(Q)rm -rf tests/fuzz/corpus/capture tests/fuzz/corpus/decode
	$(Q)mkdir -p tests/fuzz/corpus/capture tests/fuzz/corpus/decode
	$(Q)$< tests/fuzz/corpus

# Workload tools the VM tests and the benchmark run in the guest.
TOOLS		:= $(BUILD)/nvme-storm
BENCH_TOOLS	:= $(BUILD)/bench-empty $(BUILD)/mkcap

$(BUILD)/%: bench/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BUILD)/%.bpf.o: bench/%.bpf.c src/record.h $(wildcard bpf/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench-empty: bench/bench-empty.c $(BUILD)/empty.skel.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

# The replay benchmark's capture generator writes with src/capture.c.
$(BUILD)/mkcap: bench/mkcap.c $(BUILD)/capture.o | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lisal -o $@

# VM kernels for make check; make check-kernels runs them all.
KERNELS		?= 6.1 6.1-cloud
ALL_KERNELS	:= 5.10 6.1 6.1-cloud 6.12 7.2

check: all $(UNIT_BINS) $(ASAN_UNIT_BINS) $(FUZZ_BINS) $(TOOLS)
	$(Q)BUILD="$(BUILD)" KERNELS="$(KERNELS)" tests/run-all

check-unit: all $(UNIT_BINS) $(ASAN_UNIT_BINS)
	$(Q)BUILD="$(BUILD)" tests/run-all unit

check-vm: all $(TOOLS)
	$(Q)KERNELS="$(KERNELS)" tests/run-all vm

check-kernels: all $(UNIT_BINS) $(ASAN_UNIT_BINS) $(FUZZ_BINS) $(TOOLS)
	$(Q)BUILD="$(BUILD)" KERNELS="$(ALL_KERNELS)" tests/run-all

# Side-by-side benchmark in the VM (KERNEL=, default 6.1) and replay on the
# host; figures go to stdout and docs/PERFORMANCE.md.
KERNEL		?= 6.1
bench: all $(TOOLS) $(BENCH_TOOLS)
	$(Q)KERNEL="$(KERNEL)" bench/run.sh

# Two revisions side by side in one VM: A=REV B=REV (git revisions, or
# "work" for this tree), AB_ARGS= their options (default -a; "default": none).
bench-ab: all $(TOOLS) $(BENCH_TOOLS)
	$(Q)KERNEL="$(KERNEL)" AB_ARGS="$(AB_ARGS)" bench/ab.sh "$(A)" "$(B)"

install: $(BUILD)/nvmetrace
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/nvmetrace $(DESTDIR)$(PREFIX)/sbin/nvmetrace
	install -m 0644 man/nvmetrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/nvmetrace.8
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 completion/nvmetrace.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nvmetrace

clean:
	$(Q)rm -rf $(BUILD)

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
