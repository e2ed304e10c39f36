# Makefile — jobd's build, flat and explicit.
#   make            build build/jobd
#   make run        install missing packages, build, start on 127.0.0.1:8080
#   make test       install missing packages, then every test suite
#   make asan       build build/asan/jobd with AddressSanitizer + UBSan
#   make install    PREFIX=/usr/local DESTDIR= (binary, dashboard, unit file)
#   make bench / docker-test   (mk/*.mk)

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := libmicrohttpd libcjson sqlite3 libpq
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Werror
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(PKG_CFLAGS) $(SAN) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lpthread -lm
LDFLAGS += $(SAN)

SERVER_SRC := \
	server/api_batches.c server/api_common.c server/api_jobs.c server/api_output.c \
	server/api_status.c server/clock.c server/config.c server/cpus.c server/dispatch.c \
	server/dispatch_cmds.c server/dispatch_retention.c server/dispatch_turn.c server/events.c server/http.c server/http_conns.c server/http_guard.c server/job.c server/log.c server/metrics.c server/pool.c server/pool_msgs.c \
	server/render.c server/routes.c server/run_msg.c server/spec.c server/spec_deps.c server/spec_json.c server/static.c \
	server/store.c server/store_batches.c server/store_deps.c server/store_jobs.c server/store_pool.c \
	server/store_retention.c server/store_row.c server/store_sqlite.c server/store_sql.c \
	server/store_recover.c server/config_db.c server/config_scrub.c server/hostname.c server/token_file.c \
	server/cron.c server/cron_parse.c server/tz.c \
	server/tz_rule.c server/tz_tzif.c server/utf8.c
# Job control: queues, schedules, limits.
SERVER_SRC += server/spec_control.c server/store_queues.c server/dispatch_queues.c \
	server/api_queues.c server/render_control.c server/store_schedules.c \
	server/schedule.c server/spec_schedule.c server/dispatch_schedules.c server/api_schedules.c
# PostgreSQL: the second store backend (docs/design/scale-out.md).
SERVER_SRC += server/store_pg.c server/store_pg_conn.c server/store_nodes.c \
	server/dispatch_cluster.c server/dispatch_fence.c server/dispatch_output.c server/render_nodes.c \
	server/store_output_db.c
WORKER_SRC := worker/capture.c worker/cgroup.c worker/cgroup_fs.c worker/cgroup_job.c worker/cgroup_locate.c worker/fds.c worker/limits.c worker/orphans.c worker/proto.c worker/run.c worker/spawn.c worker/start.c worker/worker.c
# Migration sets: migrations/<set>/NNN_name.sql, one per database backend,
# each embedded as store_migrations_<set>[] by build/migrations_<set>.c.
MIGRATION_SETS := sqlite postgres
MIGRATIONS_sqlite := $(sort $(wildcard migrations/sqlite/*.sql))
MIGRATIONS_postgres := $(sort $(wildcard migrations/postgres/*.sql))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SERVER_SRC) $(WORKER_SRC)) \
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
	$(CC) $(CFLAGS) -Iserver -c -o $@ $<

# One prerequisite line per set; the pattern rule below embeds any of them.
$(BUILD)/migrations_sqlite.c: $(MIGRATIONS_sqlite)
$(BUILD)/migrations_postgres.c: $(MIGRATIONS_postgres)

$(BUILD)/migrations_%.c: migrations/embed.sh
	@mkdir -p $(dir $@)
	sh migrations/embed.sh $@ $* $(MIGRATIONS_$*)

$(BUILD)/migrations_%.o: $(BUILD)/migrations_%.c
	$(CC) $(CFLAGS) -Iserver -c -o $@ $<

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

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjobd.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iserver -o $@ $< $(BUILD)/libjobd.a $(LDFLAGS) $(UNIT_WRAP_$*) $(LDLIBS) -lcmocka

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
	cp -R web/. $(DESTDIR)$(PREFIX)/share/jobd/web/
	if [ -f docs/jobd.service ]; then \
		install -d $(DESTDIR)$(PREFIX)/lib/systemd/system; \
		sed 's|@PREFIX@|$(PREFIX)|g' docs/jobd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/jobd.service; \
	fi

clean:
	rm -rf build

# Dependencies of the compiled sources only: a generated file's .d that is
# missing would send make through the migrations_%.c pattern to remake it.
-include $(patsubst %.c,$(BUILD)/%.d,$(SERVER_SRC) $(WORKER_SRC)) $(MAIN_OBJ:.o=.d) $(UNIT_BIN:=.d)
-include mk/*.mk
