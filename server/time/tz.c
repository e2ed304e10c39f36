/*
 * tz.c — zones (see tz.h): checks a zone's name, reads its file from the
 * zoneinfo directory, and answers offset and span questions from what
 * tz_tzif.c decoded: a table of transitions, then the footer's POSIX rule
 * (tz_rule.c) after the last one.
 *
 * Nothing here reads or writes libc's TZ state, and nothing changes a
 * struct tz after tz_load returns it. The one piece of process state is the
 * zoneinfo directory, written once by tz_set_dir before threads start.
 *
 * Trust: the name comes from API users, so it is validated before it
 * becomes a path; the file is size-capped and must be a regular file.
 */
#include "tz_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_FILE_MAX (1024 * 1024)   /* real zone files are under 4 KiB */
#define ERR_NAME_SHOWN 64           /* bytes of a bad name quoted in err */
#define TZ_PATH_MAX 4096            /* <dir>/<name>, and the dir alone */

/* The zones that must work with no zoneinfo directory at all. */
static const char *const builtin_utc[] = { "UTC", "Etc/UTC", "GMT", "Etc/GMT" };

/* tz_set_dir's copy; "" means TZ_DEFAULT_DIR. Written before any thread
 * exists and only read after, so it needs no lock. */
static char zone_dir[TZ_PATH_MAX];

/* ---- offsets ---- */

/* The span from the transition table alone, for t < at[count - 1] or a
 * zone without a rule. */
static void table_span(const struct tz *tz, size_t i_plus_1, struct tz_span *out)
{
	if (i_plus_1 == 0) {
		*out = (struct tz_span){ INT64_MIN, tz->count ? tz->at[0] : INT64_MAX,
		    tz->first_offset, tz->first_offset };
		return;
	}
	size_t i = i_plus_1 - 1;
	*out = (struct tz_span){ tz->at[i], i + 1 < tz->count ? tz->at[i + 1] : INT64_MAX,
	    tz->offset[i], i > 0 ? tz->offset[i - 1] : tz->first_offset };
}

void tz_span_at(const struct tz *tz, int64_t utc_s, struct tz_span *out)
{
	size_t lo = 0, hi = tz->count;
	struct tz_span before;

	if (tz->count == 0 && tz->has_rule) {
		tz_rule_span(&tz->rule, utc_s, out);
		return;
	}
	while (lo < hi) {           /* lo = how many transitions are <= utc_s */
		size_t mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= utc_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	table_span(tz, lo, out);
	if (lo < tz->count || !tz->has_rule)
		return;
	/* At or after the last transition: the rule decides, but its span
	 * cannot reach back before that transition. */
	tz_rule_span(&tz->rule, utc_s, out);
	if (out->start > tz->at[tz->count - 1])
		return;
	table_span(tz, tz->count - 1, &before);
	if (out->offset != before.offset) {
		out->start = tz->at[tz->count - 1];
		out->prev_offset = before.offset;
	} else {                    /* a file whose rule disagrees with its last transition */
		out->start = before.start;
		out->prev_offset = before.prev_offset;
	}
}

int tz_offset_at(const struct tz *tz, int64_t utc_s)
{
	struct tz_span s;

	tz_span_at(tz, utc_s, &s);
	return s.offset;
}

const char *tz_name(const struct tz *tz) { return tz->name; }

void tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->offset);
	free(tz);
}

/* ---- loading ---- */

/* name for an err message: printable ASCII only, at most ERR_NAME_SHOWN
 * bytes, since it comes straight from a request. */
static void name_shown(const char *name, char *out, size_t len)
{
	size_t i = 0;

	for (; name[i] != '\0' && i < ERR_NAME_SHOWN && i + 1 < len; i++)
		out[i] = name[i] >= ' ' && name[i] <= '~' && name[i] != '"' && name[i] != '\\' ?
		    name[i] : '?';
	out[i] = '\0';
	if (name[i] != '\0' && i + sizeof("...") <= len)
		memcpy(out + i, "...", sizeof("..."));
}

/* Relative, at most TZ_NAME_MAX bytes of [A-Za-z0-9/_+-], no empty or dot
 * components: nothing that could leave the zoneinfo directory. */
static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	const char *comp = name;

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/')
		return false;
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - comp);
			if (n == 0 || (n == 1 && comp[0] == '.') ||
			    (n == 2 && comp[0] == '.' && comp[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			comp = p + 1;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' || *p == '-'))
			return false;
	}
}

/* The whole of path into *buf (caller frees). Unknown zones (no such file,
 * a directory like "Europe") say so; other failures name the call. */
static int read_zone_file(const char *path, const char *shown, uint8_t **buf, size_t *len,
    char *err)
{
	struct stat sb;
	size_t got = 0;
	int fd;

	/* O_NONBLOCK: a FIFO planted in the directory must not hang open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(err, "timezone \"%s\": unknown time zone", shown);
		else
			err_set(err, "timezone \"%s\": open %s: %s", shown, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		err_set(err, "timezone \"%s\": fstat %s: %s", shown, path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		err_set(err, "timezone \"%s\": unknown time zone", shown);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > TZ_FILE_MAX) {
		err_set(err, "timezone \"%s\": %s is not a TZif file", shown, path);
		goto fail;
	}
	*len = (size_t)sb.st_size;
	if ((*buf = malloc(*len + 1)) == NULL) {
		err_set(err, "timezone \"%s\": malloc %zu: %s", shown, *len + 1, strerror(errno));
		goto fail;
	}
	while (got < *len) {
		ssize_t n = read(fd, *buf + got, *len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, "timezone \"%s\": read %s: %s", shown, path, strerror(errno));
			free(*buf);
			goto fail;
		}
		if (n == 0)
			break;          /* shrank under us: parse what is there */
		got += (size_t)n;
	}
	*len = got;
	/* Read-only: a failed close loses nothing, and must never be retried. */
	(void)close(fd);
	return 0;
fail:
	(void)close(fd);
	return -1;
}

struct tz *tz_load_dir(const char *dir, const char *name, char *err)
{
	char shown[ERR_NAME_SHOWN + sizeof("...")], path[TZ_PATH_MAX];
	const char *why = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct tz *tz;
	enum tz_tzif_result r;

	if (name == NULL)
		name = "";
	name_shown(name, shown, sizeof(shown));
	if (!name_valid(name)) {
		err_set(err, "timezone \"%s\": not a valid zone name", shown);
		return NULL;
	}
	if ((tz = calloc(1, sizeof(*tz))) == NULL) {
		err_set(err, "timezone \"%s\": calloc: %s", shown, strerror(errno));
		return NULL;
	}
	memcpy(tz->name, name, strlen(name) + 1);
	for (size_t i = 0; i < sizeof(builtin_utc) / sizeof(builtin_utc[0]); i++)
		if (strcmp(name, builtin_utc[i]) == 0)
			return tz;  /* no transitions, no rule: offset 0 forever */
	if (dir == NULL || dir[0] == '\0')
		dir = TZ_DEFAULT_DIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		err_set(err, "timezone \"%s\": zoneinfo path too long", shown);
		goto fail;
	}
	if (read_zone_file(path, shown, &buf, &len, err) < 0)
		goto fail;
	r = tz_tzif_parse(tz, buf, len, &why);
	free(buf);
	if (r == TZ_TZIF_NOT_TZIF) {
		err_set(err, "timezone \"%s\": %s is not a TZif file", shown, path);
		goto fail;
	}
	if (r == TZ_TZIF_NO_MEMORY) {
		err_set(err, "timezone \"%s\": malloc: %s", shown, strerror(ENOMEM));
		goto fail;
	}
	if (r == TZ_TZIF_CORRUPT) {
		err_set(err, "timezone \"%s\": %s is a corrupt TZif file (%s)", shown, path, why);
		goto fail;
	}
	return tz;
fail:
	tz_free(tz);
	return NULL;
}

int tz_set_dir(const char *dir, char *err)
{
	if (dir == NULL)
		dir = "";
	if (strlen(dir) >= sizeof(zone_dir)) {
		err_set(err, "zoneinfo directory: path longer than %d bytes", TZ_PATH_MAX - 1);
		return -1;
	}
	memcpy(zone_dir, dir, strlen(dir) + 1);
	return 0;
}

struct tz *tz_load(const char *name, char *err)
{
	return tz_load_dir(zone_dir, name, err);
}
