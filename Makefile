# Makefile — jobd's build, flat and explicit.
#   make            build build/jobd
#   make run        install missing packages, build, start on 127.0.0.1:8080
#   make test       install missing packages, then every test suite
#   make asan       build build/asan/jobd with AddressSanitizer + UBSan
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page, dashboard, unit file)
#   make bench / docker-test   (mk/*.mk)

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := libmicrohttpd libcjson sqlite3 libpq libcurl libcrypto
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Werror
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq: headers only; store/pq.c loads the library when a postgres:// URL is
# opened, so a SQLite jobd never maps it (and OpenSSL, Kerberos, LDAP with it).
# libcurl likewise: common/libcurl.c loads it for the first HTTP request made,
# and OpenSSL's libcrypto (common/libcrypto.c) for the first webhook signed.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libpq libcurl libcrypto,$(PKGS)) 2>/dev/null)
# Includes name their folder: "common/log.h", "store/store.h" (under server/).
INC     := -I. -Iserver
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(PKG_CFLAGS) $(SAN) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lpthread -lm -ldl
LDFLAGS += $(SAN)

# what server and worker share: log, errors, clocks, job states, the worker protocol, output files
COMMON_SRC := \
	common/capture.c common/clock.c common/dynlib.c common/job.c common/libcrypto.c common/libcurl.c common/log.c \
	common/orphans.c common/proto.c common/utf8.c common/vec.c
# flags and their environment twins
SERVER_SRC := \
	server/config/config.c server/config/config_db.c server/config/config_paths.c \
	server/config/config_scrub.c server/config/cpus.c server/config/hostname.c \
	server/config/token_file.c
# cron and time zones: pure functions
SERVER_SRC += \
	server/time/cron.c server/time/cron_parse.c server/time/schedule.c server/time/tz.c \
	server/time/tz_rule.c server/time/tz_tzif.c
# the store, its statements and its SQLite and PostgreSQL drivers
SERVER_SRC += \
	server/store/pq.c server/store/store.c server/store/store_batches.c server/store/store_deps.c server/store/store_hooks.c \
	server/store/store_jobs.c server/store/store_jobs_insert.c server/store/store_list.c server/store/store_nodes.c server/store/store_output_db.c \
	server/store/store_pg.c server/store/store_pg_conn.c server/store/store_pool.c \
	server/store/store_queues.c server/store/store_retention.c \
	server/store/store_row.c server/store/store_schedules.c server/store/store_sql.c \
	server/store/store_sqlite.c
# worker slots and the messages to them
SERVER_SRC += \
	server/pool/pool.c server/pool/pool_msgs.c server/pool/run_msg.c
# JSON of every resource
SERVER_SRC += \
	server/render/render.c server/render/render_control.c server/render/render_event.c \
	server/render/render_hooks.c \
	server/render/render_nodes.c
# job, batch, queue and schedule specs: parsing and validation
SERVER_SRC += \
	server/spec/spec.c server/spec/spec_control.c server/spec/spec_tags.c server/spec/spec_deps.c \
	server/spec/spec_json.c server/spec/spec_notify.c server/spec/spec_schedule.c
# the single-writer dispatcher, events and metrics
SERVER_SRC += \
	server/dispatch/dispatch.c server/dispatch/dispatch_bulk.c server/dispatch/dispatch_claim.c server/dispatch/dispatch_cmds.c \
	server/dispatch/dispatch_control.c server/dispatch/dispatch_drain.c server/dispatch/dispatch_end.c \
	server/dispatch/dispatch_hooks.c server/dispatch/dispatch_host.c server/dispatch/dispatch_kick.c \
	server/dispatch/dispatch_queues.c server/dispatch/dispatch_retention.c \
	server/dispatch/dispatch_schedules.c server/dispatch/dispatch_submit.c \
	server/dispatch/dispatch_summary.c server/dispatch/dispatch_turn.c server/dispatch/events.c server/dispatch/events_stream.c \
	server/dispatch/follow.c server/dispatch/metrics.c server/dispatch/webhook.c \
	server/dispatch/webhook_post.c
# a node of a cluster on one PostgreSQL database: heartbeat, fences, output copies
SERVER_SRC += \
	server/cluster/fence.c server/cluster/node.c server/cluster/output.c
# the libmicrohttpd front: guard, connection bounds, static files
SERVER_SRC += \
	server/http/http.c server/http/http_cmd.c server/http/http_conns.c server/http/http_guard.c \
	server/http/http_log.c server/http/http_precheck.c server/http/http_route.c \
	server/http/http_trim.c server/http/static.c
# one file per resource, and the route table
SERVER_SRC += \
	server/api/api_batches.c server/api/api_common.c server/api/api_events.c server/api/api_follow.c server/api/api_hooks.c \
	server/api/api_jobs.c server/api/api_filter.c server/api/api_bulk.c server/api/api_metrics.c server/api/api_output.c \
	server/api/api_queues.c server/api/api_schedules.c server/api/api_status.c \
	server/api/api_drain.c \
	server/api/routes.c
# the command line: a client of the API, in the same binary
SERVER_SRC += \
	server/cli/cli.c server/cli/cli_args.c server/cli/cli_batch.c server/cli/cli_bulk.c server/cli/cli_cmds.c \
	server/cli/cli_exit.c server/cli/cli_http.c server/cli/cli_out.c server/cli/cli_wait.c
# the worker process: serve, run one job, capture, limits, cgroups
WORKER_SRC := \
	worker/cgroup.c worker/cgroup_fs.c worker/cgroup_job.c worker/cgroup_locate.c worker/fds.c \
	worker/limits.c worker/run.c worker/spawn.c worker/start.c worker/worker.c
# Migration sets: migrations/<set>/NNN_name.sql, one per database backend,
# each embedded as store_migrations_<set>[] by build/migrations_<set>.c.
MIGRATION_SETS := sqlite postgres
MIGRATIONS_sqlite := $(sort $(wildcard migrations/sqlite/*.sql))
MIGRATIONS_postgres := $(sort $(wildcard migrations/postgres/*.sql))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRC) $(SERVER_SRC) $(WORKER_SRC)) \
	$(patsubst %,$(BUILD)/migrations_%.o,$(MIGRATION_SETS)) $(BUILD)/openapi.o
MAIN_OBJ := $(BUILD)/server/main.o

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all run test deps asan unit unit-valgrind integration e2e chaos fuzz install clean
all: $(BUILD)/jobd

$(BUILD)/jobd: $(MAIN_OBJ) $(BUILD)/libjobd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libjobd.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -c -o $@ $<

# One prerequisite line per set; the pattern rule below embeds any of them.
$(BUILD)/migrations_sqlite.c: $(MIGRATIONS_sqlite)
$(BUILD)/migrations_postgres.c: $(MIGRATIONS_postgres)

$(BUILD)/migrations_%.c: migrations/embed.sh
	@mkdir -p $(dir $@)
	sh migrations/embed.sh $@ $* $(MIGRATIONS_$*)

$(BUILD)/migrations_%.o: $(BUILD)/migrations_%.c
	$(CC) $(CFLAGS) $(INC) -c -o $@ $<

# docs/openapi.json, served at /openapi.json, compiled in as one string.
$(BUILD)/openapi.c: docs/openapi.json
	@mkdir -p $(dir $@)
	{ echo '/* Generated from docs/openapi.json by the Makefile. */'; \
	  echo 'const char jobd_openapi_json[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

$(BUILD)/openapi.o: $(BUILD)/openapi.c
	$(CC) $(CFLAGS) -c -o $@ $<

# A test's own link seams (-Wl,--wrap=SYMBOL): UNIT_WRAP_<test name>.
UNIT_WRAP_test_run_fds := -Wl,--wrap=close_range
UNIT_WRAP_test_orphans := -Wl,--wrap=opendir
UNIT_WRAP_test_vec := -Wl,--wrap=realloc
# The COMMIT seam (testutil_commit.h).
UNIT_SEAM_COMMIT := -Wl,--wrap=sqlite3_exec
UNIT_WRAP_test_seam_commit := $(UNIT_SEAM_COMMIT)
UNIT_WRAP_test_dispatch_async := -Wl,--wrap=sqlite3_exec
# A dispatcher with a fake pool and clock over a real store (testutil_dispatch.h).
UNIT_FAKE_POOL := -Wl,--wrap=pool_start,--wrap=pool_stop,--wrap=pool_size,--wrap=pool_pollfds \
	-Wl,--wrap=pool_handle,--wrap=pool_reap,--wrap=pool_tick,--wrap=pool_next_timer \
	-Wl,--wrap=pool_idle_slots,--wrap=pool_busy_count,--wrap=pool_run,--wrap=pool_unreserve \
	-Wl,--wrap=pool_reserve,--wrap=pool_cancel,--wrap=pool_snapshot,--wrap=pool_release_held
UNIT_FAKE_DISPATCH := $(UNIT_FAKE_POOL) -Wl,--wrap=clock_wall_us,--wrap=clock_mono_us $(UNIT_SEAM_COMMIT)
UNIT_WRAP_test_dispatch_turn := $(UNIT_FAKE_DISPATCH)
UNIT_WRAP_test_dispatch_seams := $(UNIT_FAKE_DISPATCH)
UNIT_WRAP_test_dispatch_cpus := $(UNIT_FAKE_DISPATCH)
# The pool under fence.c (test_fence.c).
UNIT_WRAP_test_fence := -Wl,--wrap=pool_snapshot,--wrap=pool_cancel
# fork and sendmsg under the workers (testutil_seam.h).
UNIT_SEAM_PROC := -Wl,--wrap=fork,--wrap=sendmsg
UNIT_WRAP_test_seam_worker := $(UNIT_SEAM_PROC) -Wl,--wrap=vfork,--wrap=write
UNIT_WRAP_test_pool_seams := $(UNIT_SEAM_PROC)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjobd.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -o $@ $< $(BUILD)/libjobd.a $(LDFLAGS) $(UNIT_WRAP_$*) $(LDLIBS) -lcmocka

deps:
	@sh .ci/install-deps.sh

run:
	@JOBD_DEPS=build sh .ci/install-deps.sh
	@$(MAKE) -s all
	$(BUILD)/jobd

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all unit-bins

unit-bins: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@sh tests/unit/run.sh $(UNIT_BIN)

unit-valgrind: $(UNIT_BIN)
	@VALGRIND=1 sh tests/unit/run.sh $(UNIT_BIN)

integration: all
	@JOBD_BIN=$(CURDIR)/$(BUILD)/jobd sh tests/integration/run.sh

test: deps
	@sh tests/run-all.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/jobd/web
	install -m 0755 $(BUILD)/jobd $(DESTDIR)$(PREFIX)/bin/jobd
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 docs/jobd.1 $(DESTDIR)$(PREFIX)/share/man/man1/jobd.1
	cp -R web/. $(DESTDIR)$(PREFIX)/share/jobd/web/
	if [ -f docs/jobd.service ]; then \
		install -d $(DESTDIR)$(PREFIX)/lib/systemd/system; \
		sed 's|@PREFIX@|$(PREFIX)|g' docs/jobd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/jobd.service; \
	fi

clean:
	rm -rf build

# Dependencies of the compiled sources only: a generated file's .d that is
# missing would send make through the migrations_%.c pattern to remake it.
-include $(patsubst %.c,$(BUILD)/%.d,$(COMMON_SRC) $(SERVER_SRC) $(WORKER_SRC)) $(MAIN_OBJ:.o=.d) $(UNIT_BIN:=.d)
-include mk/*.mk
