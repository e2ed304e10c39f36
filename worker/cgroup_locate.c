/*
 * cgroup_locate.c — the pure half of cgroup.h: where this process's group
 * of a controller is, read from the texts of /proc/self/cgroup and
 * /proc/self/mountinfo, and the small parsers of cgroup files. No I/O, so
 * the unit tests feed it the texts of machines we do not have.
 *
 * Traps: a controller is bound to one hierarchy only, so a v1 line naming
 * it in /proc/self/cgroup wins over the v2 "0::" line of a hybrid system;
 * a mount's root may be a subtree (containers), so it is stripped off the
 * path — and a mount of another subtree is no mount of ours; mount points
 * come \ooo-escaped.
 */
#include "cgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next line of text as [*line, *line + *len); false at the end. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	const char *nl;

	if (**p == '\0')
		return false;
	nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + *len;
	return true;
}

/* The next space-separated field of [*p, end). */
static bool next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	while (*p < end && **p == ' ')
		(*p)++;
	if (*p >= end)
		return false;
	*f = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	*flen = (size_t)(*p - *f);
	return true;
}

int cgroup_has_token(const char *list, size_t len, char sep, const char *word)
{
	const char *p = list, *end = list + len;
	size_t wl = strlen(word);

	for (;;) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((size_t)(q - p) == wl && memcmp(p, word, wl) == 0)
			return 1;
		if (q == end)
			return 0;
		p = q + 1;
	}
}

/* A mountinfo field with its \ooo escapes (space, tab, newline, \) undone. */
static bool unescape(const char *f, size_t flen, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < flen; i++) {
		char c = f[i];
		if (c == '\\' && flen - i >= 4 && f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' && f[i + 3] >= '0' && f[i + 3] <= '7') {
			c = (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* The group path of controller in /proc/self/cgroup text; v1 wins. */
static bool own_path(const char *proc_cgroup, const char *controller, bool *v2,
    const char **path, size_t *path_len)
{
	const char *p = proc_cgroup, *line, *v2_path = NULL;
	size_t len, v2_len = 0;

	while (next_line(&p, &line, &len)) {
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
		if (c2 == NULL)
			continue;
		size_t ctl_len = (size_t)(c2 - c1 - 1);
		if (ctl_len > 0 && cgroup_has_token(c1 + 1, ctl_len, ',', controller)) {
			*v2 = false;
			*path = c2 + 1;
			*path_len = (size_t)(line + len - *path);
			return true;
		}
		if (ctl_len == 0 && c1 == line + 1 && line[0] == '0') {
			v2_path = c2 + 1;
			v2_len = (size_t)(line + len - v2_path);
		}
	}
	*v2 = true;
	*path = v2_path;
	*path_len = v2_len;
	return v2_path != NULL;
}

int cgroup_locate(const char *proc_cgroup, const char *mountinfo, const char *controller,
    enum cgroup_version *version, char *dir, size_t len, char *err)
{
	const char *path, *p = mountinfo, *line;
	size_t path_len, llen;
	bool v2;
	char cg[CGROUP_PATH_MAX];

	*version = CGROUP_NONE;
	if (!own_path(proc_cgroup, controller, &v2, &path, &path_len)) {
		err_set(err, "no %s line in /proc/self/cgroup", controller);
		return -1;
	}
	if (path_len == 0 || path_len >= sizeof(cg) || path[0] != '/') {
		err_set(err, "/proc/self/cgroup: unusable %s path \"%.*s\"", controller,
		    (int)(path_len > 100 ? 100 : path_len), path);
		return -1;
	}
	memcpy(cg, path, path_len);
	cg[path_len] = '\0';
	/* id parent major:minor root mountpoint options [optional...] - type source superoptions */
	while (next_line(&p, &line, &llen)) {
		const char *end = line + llen, *q = line, *f[5], *type, *src, *opts;
		size_t fl[5], tl, sl, ol;
		char root[CGROUP_PATH_MAX], mnt[CGROUP_PATH_MAX];
		int i = 0;

		while (i < 5 && next_field(&q, end, &f[i], &fl[i]))
			i++;
		const char *dash = i == 5 ? memmem(q, (size_t)(end - q), " - ", 3) : NULL;
		if (dash == NULL)
			continue;
		q = dash + 3;
		if (!next_field(&q, end, &type, &tl) || !next_field(&q, end, &src, &sl) ||
		    !next_field(&q, end, &opts, &ol))
			continue;
		if (v2 ? tl != 7 || memcmp(type, "cgroup2", 7) != 0
		       : tl != 6 || memcmp(type, "cgroup", 6) != 0 ||
			     !cgroup_has_token(opts, ol, ',', controller))
			continue;
		if (!unescape(f[3], fl[3], root, sizeof(root)) || !unescape(f[4], fl[4], mnt, sizeof(mnt)))
			continue;
		size_t rl = strlen(root);
		const char *rest = cg;
		if (strcmp(root, "/") != 0) {
			if (strncmp(cg, root, rl) != 0 || (cg[rl] != '\0' && cg[rl] != '/'))
				continue; /* a mount of another subtree */
			rest = cg + rl;
		}
		if (strcmp(rest, "/") == 0)
			rest = "";
		if ((size_t)snprintf(dir, len, "%s%s", mnt, rest) >= len) {
			err_set(err, "%s cgroup path %s%s is too long", controller, mnt, rest);
			return -1;
		}
		*version = v2 ? CGROUP_V2 : CGROUP_V1;
		return 0;
	}
	err_set(err, "no %s mount holds the %s group %s", v2 ? "cgroup2" : "cgroup v1", controller, cg);
	return -1;
}

int cgroup_read_key(const char *text, const char *key, int64_t *value)
{
	const char *p = text, *line;
	size_t kl = strlen(key), len;

	if (text == NULL)
		return -1;
	while (next_line(&p, &line, &len)) {
		if (len > kl + 1 && memcmp(line, key, kl) == 0 && line[kl] == ' ') {
			char *end;
			errno = 0;
			long long v = strtoll(line + kl + 1, &end, 10);
			if (end == line + kl + 1 || errno != 0)
				return -1;
			*value = v;
			return 0;
		}
	}
	return -1;
}

int cgroup_worker_dir_pid(const char *name, pid_t *pid)
{
	const char *p = name + 6;
	long v = 0;

	if (strncmp(name, "jobd-w", 6) != 0 || *p == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (v <= 0)
		return 0;
	*pid = (pid_t)v;
	return 1;
}
