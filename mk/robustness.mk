# mk/robustness.mk — issue 4's fault and hostile-input suites, included by the
# top-level Makefile. Every name here starts with ROBUST_/FUZZ_/LOAD_ or is
# one of the targets below.
#   make chaos      kill -9 harness + hard-to-stop jobs   (LONG=1: long run)
#   make hostile    400+ malformed requests, slowloris, RSS
#   make fuzz       libFuzzer over request handling, FUZZ_SECONDS (30; LONG=1: 1800)
#   make load       mixed submit/read load, LOAD_SECONDS (60)
#   make chaos-asan / hostile-asan   the same against build/asan/jobd
#   make robustness all of the above (short forms)

FUZZ_OUT := build/fuzz
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	-I. -Iserver $(shell pkg-config --cflags libmicrohttpd libcjson sqlite3 libpq 2>/dev/null)
FUZZ_LIBS := $(shell pkg-config --libs libmicrohttpd libcjson sqlite3 libpq 2>/dev/null) -lpthread -lm
# The top-level Makefile's own lists: every library source, plus what it
# generates (migrations_<set>.c, openapi.c, ...) as the LIB_OBJ without a source.
FUZZ_SRC = $(COMMON_SRC) $(SERVER_SRC) $(WORKER_SRC)
FUZZ_GEN = $(patsubst %.o,%.c,$(filter-out $(patsubst %.c,$(BUILD)/%.o,$(FUZZ_SRC)),$(LIB_OBJ)))
FUZZ_OBJ = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_SRC)) \
	$(patsubst $(BUILD)/%.c,$(FUZZ_OUT)/gen/%.o,$(FUZZ_GEN))
FUZZ_SECONDS ?= $(if $(filter-out 0,$(LONG)),1800,30)
FUZZ_BIN := $(FUZZ_OUT)/fuzz_request

.PHONY: chaos hostile fuzz fuzz-build load chaos-asan hostile-asan robustness

chaos: all
	@LONG=$(LONG) JOBD_BIN=$(CURDIR)/build/jobd sh tests/chaos/run.sh

hostile: all
	@JOBD_BIN=$(CURDIR)/build/jobd sh tests/hostile/run.sh

chaos-asan: asan
	@LONG=$(LONG) JOBD_BIN=$(CURDIR)/build/asan/jobd sh tests/chaos/run.sh

hostile-asan: asan
	@JOBD_BIN=$(CURDIR)/build/asan/jobd sh tests/hostile/run.sh

load: all
	@LOAD_SECONDS=$(LOAD_SECONDS) JOBD_BIN=$(CURDIR)/build/jobd sh tests/load/run.sh

robustness: chaos hostile fuzz load

# Instrumented objects of their own: libFuzzer needs every file built with
# -fsanitize=fuzzer, so build/*.o cannot be reused.
$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(FUZZ_OUT)/gen/%.o: $(BUILD)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BIN): tests/fuzz/fuzz_request.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $^ $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BIN)

# New inputs go to build/fuzz/corpus; tests/fuzz/corpus (the seeds) is read only.
fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(FUZZ_BIN) $(FUZZ_SECONDS)

# Only the compiled sources have .d files; asking for the generated ones
# would send make looking for a rule to make them (e.g. migrations_%.c).
-include $(patsubst %.c,$(FUZZ_OUT)/obj/%.d,$(FUZZ_SRC))
