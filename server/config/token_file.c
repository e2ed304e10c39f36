/*
 * token_file.c — the generated token and its file (see token_file.h).
 */
#include "token_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostname.h"

#define TOKEN_BYTES 32

/* Where the file goes: beside the SQLite file; with PostgreSQL there is no
 * file, and the parent of the output directory is the data directory. */
static int token_path(const struct config *cfg, char *path, size_t cap, char *err)
{
	const char *base = config_db_is_url(cfg->db_path) ? cfg->output_dir : cfg->db_path;
	const char *slash = strrchr(base, '/');
	/* "jobd.db" → "."; "/jobd.db" → "/"; "a/b/jobd.db" → "a/b". Trailing
	 * slashes of a directory ("out/") leave "out", one level too deep. */
	int dir_len = slash == NULL ? 1 : slash == base ? 1 : (int)(slash - base);
	const char *dir = slash == NULL ? "." : base;

	if (snprintf(path, cap, "%.*s/token", dir_len, dir) >= (int)cap) {
		err_set(err, "%s: path too long for the token file", base);
		return -1;
	}
	return 0;
}

/* The token in an existing file: one line of printable ASCII, no spaces. */
static int read_token(const char *path, char *tok, size_t cap, char *err)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		err_set(err, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_set(err, "fstat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	do
		n = read(fd, tok, cap - 1);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n < 0) {
		err_set(err, "read %s: %s", path, strerror(saved));
		return -1;
	}
	tok[n] = '\0';
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r'))
		tok[--n] = '\0';
	for (ssize_t i = 0; i < n; i++) {
		if (tok[i] <= ' ' || tok[i] > '~') {
			err_set(err, "%s: want one line of printable characters without spaces", path);
			return -1;
		}
	}
	if (n == 0 || (size_t)n >= cap - 1) {
		err_set(err, "%s: %s; delete it to have a new token made, or set --token",
		    path, n == 0 ? "empty" : "too long");
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes a new token to a temporary file and links it to `path`: a crash
 * leaves no half-written token, and of two starts racing, one token wins
 * (link fails with EEXIST for the other, which then reads it). */
static int create_token(const char *path, char *tok, size_t cap, char *err)
{
	unsigned char raw[TOKEN_BYTES];
	char tmp[CONFIG_PATH_MAX + 32];
	int fd, rc = -1;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		err_set(err, "getrandom %zu bytes: %s", sizeof(raw), strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw) && 2 * i + 2 < cap; i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(err, "open %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, tok, strlen(tok)) < 0 || write_all(fd, "\n", 1) < 0) {
		err_set(err, "write %s: %s", tmp, strerror(errno));
	} else if (fsync(fd) < 0) {
		err_set(err, "fsync %s: %s", tmp, strerror(errno));
	} else if (link(tmp, path) < 0) {
		if (errno == EEXIST)
			rc = 1;
		else
			err_set(err, "link %s to %s: %s", tmp, path, strerror(errno));
	} else {
		rc = 0;
	}
	/* Never retry close after EINTR: the descriptor is gone either way. */
	close(fd);
	if (unlink(tmp) < 0 && rc >= 0) {
		err_set(err, "unlink %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	return rc;
}

int token_file_ensure(struct config *cfg, char *err)
{
	char tok[sizeof(cfg->token)];

	if (cfg->token[0] != '\0' || hostname_addr_is_loopback(cfg->listen_addr))
		return TOKEN_FILE_NONE;
	if (token_path(cfg, cfg->token_path, sizeof(cfg->token_path), err) < 0)
		return -1;
	int made = 1;
	if (access(cfg->token_path, F_OK) < 0) {
		if (errno != ENOENT) {
			err_set(err, "access %s: %s", cfg->token_path, strerror(errno));
			return -1;
		}
		if ((made = create_token(cfg->token_path, tok, sizeof(tok), err)) < 0)
			return -1;
	}
	if (made == 1 && read_token(cfg->token_path, tok, sizeof(tok), err) < 0)
		return -1;
	memcpy(cfg->token, tok, sizeof(cfg->token));
	cfg->token_generated = true;
	return made == 0 ? TOKEN_FILE_CREATED : TOKEN_FILE_READ;
}
