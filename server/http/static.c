/*
 * static.c — the dashboard's static files (see static.h).
 */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "common/utf8.h"

#define STATIC_MAX_FILE (8 << 20)

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" }, { ".svg", "image/svg+xml" },
	{ ".png", "image/png" }, { ".ico", "image/x-icon" }, { ".txt", "text/plain; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
};

static const char *mime_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (strcmp(dot, mime_types[i].ext) == 0)
			return mime_types[i].type;
	return "application/octet-stream";
}

/* No "." or ".." segment, no hidden file, nothing but a plain path. */
static int safe_url(const char *url)
{
	if (url[0] != '/' || strchr(url, '\\') != NULL || strlen(url) > 1024)
		return 0;
	for (const char *p = url; *p; p++)
		if (p[0] == '/' && p[1] == '.')
			return 0;
	return 1;
}

static void not_found(struct http_resp *r, const char *url)
{
	http_error(r, 404, "not_found", NULL, "no such file: %.*s", (int)utf8_cut(url, 200), url);
}

static int read_file(int fd, size_t size, char **out)
{
	char *buf = malloc(size + 1);
	size_t got = 0;

	if (buf == NULL)
		return -1;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

void static_serve(const char *web_dir, const char *url, struct http_resp *r)
{
	char root[PATH_MAX], want[PATH_MAX + 1100], real[PATH_MAX];
	struct stat st;
	char *body;
	int fd;

	if (strcmp(url, "/v1") == 0 || strncmp(url, "/v1/", 4) == 0) {
		http_error(r, 404, "not_found", NULL, "no route for %.*s", (int)utf8_cut(url, 200), url);
		return;
	}
	if (!safe_url(url)) {
		not_found(r, url);
		return;
	}
	if (realpath(web_dir, root) == NULL) {
		http_error(r, 404, "not_found", NULL, "the dashboard is not installed (%s)", web_dir);
		return;
	}
	snprintf(want, sizeof(want), "%s%s", root, strcmp(url, "/") == 0 ? "/index.html" : url);
	/* Canonical, and still inside the root: a symlink out of web/ is refused. */
	size_t rl = strlen(root);
	if (realpath(want, real) == NULL || strncmp(real, root, rl) != 0 || real[rl] != '/') {
		not_found(r, url);
		return;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_FILE ||
	    read_file(fd, (size_t)st.st_size, &body) < 0) {
		if (fd >= 0)
			close(fd);
		not_found(r, url);
		return;
	}
	close(fd);
	r->status = 200;
	r->body = body;
	r->len = (size_t)st.st_size;
	r->content_type = mime_for(real);
	http_header(r, "Cache-Control", "no-cache");
}
