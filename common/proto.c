/*
 * proto.c — sends, receives and checks the messages defined in proto.h.
 */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "utf8.h"
#include "vec.h"

static int send_all(int fd, struct iovec *iov, int iovcnt, char *err)
{
	while (iovcnt > 0) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, "sendmsg fd %d: %s", fd, strerror(errno));
			return -1;
		}
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int proto_send2(int fd, uint32_t type, uint32_t slot, int64_t job_id,
    const void *a, size_t alen, const void *b, size_t blen, char *err)
{
	struct proto_header hdr = {
		.type = type, .len = (uint32_t)(alen + blen), .slot = slot, .job_id = job_id,
	};
	struct iovec iov[3] = {
		{ &hdr, sizeof(hdr) }, { (void *)a, alen }, { (void *)b, blen },
	};

	if (alen + blen > PROTO_MAX_PAYLOAD) {
		err_set(err, "message of %zu bytes exceeds the protocol limit", alen + blen);
		return -1;
	}
	return send_all(fd, iov, 3, err);
}

int proto_send(int fd, uint32_t type, uint32_t slot, int64_t job_id,
    const void *payload, size_t len, char *err)
{
	return proto_send2(fd, type, slot, job_id, payload, len, NULL, 0, err);
}

/* 1 when n bytes were read, 0 on EOF before any byte, -1 on error/short. */
static int recv_all(int fd, void *buf, size_t n, char *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, "read fd %d: %s", fd, strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 0;
			err_set(err, "read fd %d: EOF inside a message", fd);
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

int proto_check_len(const struct proto_header *hdr, char *err)
{
	size_t want;

	switch (hdr->type) {
	case PROTO_HELLO:
		want = sizeof(struct proto_hello);
		break;
	case PROTO_CANCEL:
		want = 0;
		break;
	case PROTO_STARTED:
		want = sizeof(struct proto_started);
		break;
	case PROTO_DONE:
		want = sizeof(struct proto_done);
		break;
	case PROTO_RUN:
		if (hdr->len < sizeof(struct proto_run) || hdr->len > PROTO_MAX_PAYLOAD) {
			err_set(err, "RUN payload of %u bytes", hdr->len);
			return -1;
		}
		return 0;
	default:
		err_set(err, "unknown message type %u", hdr->type);
		return -1;
	}
	if (hdr->len != want) {
		err_set(err, "message type %u: payload %u bytes, want %zu", hdr->type, hdr->len, want);
		return -1;
	}
	return 0;
}

int proto_recv(int fd, struct proto_header *hdr, void **payload, char *err)
{
	int r = recv_all(fd, hdr, sizeof(*hdr), err);

	*payload = NULL;
	if (r <= 0)
		return r;
	if (proto_check_len(hdr, err) < 0)
		return -1;
	*payload = malloc(hdr->len + 1u);
	if (*payload == NULL) {
		err_set(err, "malloc %u: out of memory", hdr->len);
		return -1;
	}
	if (hdr->len > 0 && recv_all(fd, *payload, hdr->len, err) != 1) {
		if (err != NULL && err[0] == '\0')
			err_set(err, "read fd %d: EOF inside a message", fd);
		free(*payload);
		*payload = NULL;
		return -1;
	}
	return 1;
}

static size_t strings_size(char *const *v, uint32_t *count)
{
	size_t n = 0;
	*count = 0;
	for (; v != NULL && *v != NULL; v++, (*count)++)
		n += strlen(*v) + 1;
	return n;
}

static char *put_strings(char *p, char *const *v)
{
	for (; v != NULL && *v != NULL; v++) {
		size_t l = strlen(*v) + 1;
		memcpy(p, *v, l);
		p += l;
	}
	return p;
}

size_t proto_run_size(char *const *argv, char *const *envp, const char *cwd, size_t stdin_len)
{
	uint32_t count;

	return sizeof(struct proto_run) + strings_size(argv, &count) + strings_size(envp, &count) +
	       (cwd ? strlen(cwd) + 1 : 0) + stdin_len;
}

void *proto_run_build(const struct proto_run *fixed, char *const *argv,
    char *const *envp, const char *cwd, const char *stdin_data, size_t *len_out)
{
	struct proto_run f = *fixed;
	(void)strings_size(argv, &f.argc);
	(void)strings_size(envp, &f.envc);
	f.cwd_len = cwd ? (uint32_t)strlen(cwd) + 1 : 0;
	size_t len = proto_run_size(argv, envp, cwd, f.stdin_len);
	char *buf = malloc(len);

	if (buf == NULL)
		return NULL;
	memcpy(buf, &f, sizeof(f));
	char *p = put_strings(buf + sizeof(f), argv);
	p = put_strings(p, envp);
	if (cwd) {
		memcpy(p, cwd, f.cwd_len);
		p += f.cwd_len;
	}
	if (f.stdin_len)
		memcpy(p, stdin_data, f.stdin_len);
	*len_out = len;
	return buf;
}

/* Points vec[0..count) at count NUL-terminated strings starting at *p. */
static int take_strings(const char **p, const char *end, uint32_t count, char ***vec,
    const char *what, char *err)
{
	*vec = calloc((size_t)count + 1, sizeof(char *));
	if (*vec == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const char *nul = memchr(*p, '\0', (size_t)(end - *p));
		if (nul == NULL) {
			err_set(err, "RUN: %s string %u is not terminated", what, i);
			return -1;
		}
		(*vec)[i] = (char *)*p;
		*p = nul + 1;
	}
	return 0;
}

int proto_run_parse(const void *payload, size_t len, struct proto_run_view *view, char *err)
{
	const char *p = (const char *)payload + sizeof(struct proto_run);
	const char *end = (const char *)payload + len;

	memset(view, 0, sizeof(*view));
	if (len < sizeof(struct proto_run)) {
		err_set(err, "RUN: payload of %zu bytes is too short", len);
		return -1;
	}
	memcpy(&view->fixed, payload, sizeof(view->fixed));
	if (view->fixed.argc == 0) {
		err_set(err, "RUN: empty argv");
		return -1;
	}
	if (view->fixed.memory_mb < 0 || view->fixed.cpu_s < 0 || view->fixed.open_files < 0 ||
	    view->fixed.processes < 0) {
		err_set(err, "RUN: negative limit (memory_mb %lld, cpu_s %lld, open_files %lld, "
		    "processes %lld)", (long long)view->fixed.memory_mb, (long long)view->fixed.cpu_s,
		    (long long)view->fixed.open_files, (long long)view->fixed.processes);
		return -1;
	}
	/* Each string takes at least its NUL: counts beyond the payload are lies. */
	if ((size_t)view->fixed.argc + view->fixed.envc > (size_t)(end - p)) {
		err_set(err, "RUN: %u+%u strings cannot fit in %zu bytes", view->fixed.argc,
		    view->fixed.envc, (size_t)(end - p));
		return -1;
	}
	if (take_strings(&p, end, view->fixed.argc, &view->argv, "argv", err) < 0 ||
	    take_strings(&p, end, view->fixed.envc, &view->envp, "env", err) < 0)
		goto fail;
	if ((size_t)(end - p) != (size_t)view->fixed.cwd_len + view->fixed.stdin_len) {
		err_set(err, "RUN: %zu trailing bytes, want cwd %u + stdin %u",
		    (size_t)(end - p), view->fixed.cwd_len, view->fixed.stdin_len);
		goto fail;
	}
	if (view->fixed.cwd_len > 0) {
		if (p[view->fixed.cwd_len - 1] != '\0') {
			err_set(err, "RUN: cwd is not terminated");
			goto fail;
		}
		view->cwd = p;
		p += view->fixed.cwd_len;
	}
	view->stdin_data = p;
	return 0;
fail:
	proto_run_view_free(view);
	return -1;
}

void proto_run_view_free(struct proto_run_view *view)
{
	free(view->argv);
	free(view->envp);
	view->argv = view->envp = NULL;
}

void proto_done_from_result(struct proto_done *d, const struct run_result *r)
{
	memset(d, 0, sizeof(*d));
	d->status = (int32_t)r->status;
	d->exit_code = r->exit_code;
	d->term_signal = r->term_signal;
	d->started_us = r->started_us;
	d->finished_us = r->finished_us;
	d->run_us = r->run_us;
	d->cpu_user_us = r->cpu_user_us;
	d->cpu_sys_us = r->cpu_sys_us;
	d->max_rss_kb = r->max_rss_kb;
	d->stdout_bytes = r->stdout_bytes;
	d->stderr_bytes = r->stderr_bytes;
	snprintf(d->error, sizeof(d->error), "%s", r->error);
}

void proto_done_to_result(const struct proto_done *d, struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = (unsigned)d->status < RUN_STATUS_COUNT ? (enum run_status)d->status
							   : RUN_START_FAILED;
	r->exit_code = d->exit_code;
	r->term_signal = d->term_signal;
	r->started_us = d->started_us;
	r->finished_us = d->finished_us;
	r->run_us = d->run_us;
	r->cpu_user_us = d->cpu_user_us;
	r->cpu_sys_us = d->cpu_sys_us;
	r->max_rss_kb = d->max_rss_kb;
	r->stdout_bytes = d->stdout_bytes;
	r->stderr_bytes = d->stderr_bytes;
	/* The peer's buffer may lack a NUL; copy what fits, whole characters only. */
	_Static_assert(sizeof(r->error) <= sizeof(d->error), "utf8_cut reads at most r->error - 1 bytes");
	snprintf(r->error, sizeof(r->error), "%.*s", (int)utf8_cut(d->error, sizeof(r->error) - 1),
	    d->error);
}

int proto_reader_fill(struct proto_reader *rd, int fd, char *err)
{
	if (rd->consumed > 0) {
		memmove(rd->buf, rd->buf + rd->consumed, rd->len - rd->consumed);
		rd->len -= rd->consumed;
		rd->consumed = 0;
	}
	if (rd->cap - rd->len < 4096 && VEC_RESERVE(rd->buf, rd->cap, rd->len + 4096, err) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, rd->buf + rd->len, rd->cap - rd->len, MSG_DONTWAIT);
		if (n > 0) {
			rd->len += (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		err_set(err, "recv fd %d: %s", fd, strerror(errno));
		return -1;
	}
}

int proto_reader_next(struct proto_reader *rd, struct proto_header *hdr,
    const void **payload, char *err)
{
	size_t avail = rd->len - rd->consumed;
	const unsigned char *start = rd->buf + rd->consumed;

	if (avail < sizeof(*hdr))
		return 0;
	memcpy(hdr, start, sizeof(*hdr));
	if (hdr->type == PROTO_RUN) {
		err_set(err, "worker sent a RUN message");
		return -1;
	}
	if (proto_check_len(hdr, err) < 0)
		return -1;
	if (avail < sizeof(*hdr) + hdr->len)
		return 0;
	*payload = start + sizeof(*hdr);
	rd->consumed += sizeof(*hdr) + hdr->len;
	return 1;
}

void proto_reader_free(struct proto_reader *rd)
{
	free(rd->buf);
	memset(rd, 0, sizeof(*rd));
}
