# mk/bench.mk — `make bench` (issue 5): builds the bench's C tools into
# build/bench/ and runs bench/run.sh against build/jobd, which `all` builds.
# BENCH_QUICK=1 make bench: the ~2 minute version. Included by the top-level
# Makefile; every name here starts with BENCH_ / bench to stay out of its way.

BENCH_OUT := build/bench
BENCH_CFLAGS := -O2 -g -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Werror
BENCH_SQLITE := $(shell pkg-config --cflags --libs sqlite3 2>/dev/null || echo -lsqlite3)
BENCH_TOOLS := $(BENCH_OUT)/forkexec $(BENCH_OUT)/postload \
	$(BENCH_OUT)/sqlite_commit $(BENCH_OUT)/seed_db

.PHONY: bench bench-tools

bench: all bench-tools
	bench/run.sh

bench-tools: $(BENCH_TOOLS)

$(BENCH_OUT)/forkexec: bench/forkexec.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/postload: bench/postload.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/sqlite_commit: bench/sqlite_commit.c bench/jobrow.c bench/jobrow.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/sqlite_commit.c bench/jobrow.c $(BENCH_SQLITE)

$(BENCH_OUT)/seed_db: bench/seed_db.c bench/jobrow.c bench/jobrow.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/seed_db.c bench/jobrow.c $(BENCH_SQLITE)

# make bench-compare BASE=<git rev>: the quick jobd rows of BASE and of the
# working tree in turns, with ratios (bench/compare.sh).
.PHONY: bench-compare
bench-compare: bench-tools
	bench/compare.sh
