/*
 * proto.h — the wire format between the server (supervisor) and its worker
 * processes, over a SOCK_STREAM socketpair (fd 3 in the worker).
 *
 * Every message is a fixed header followed by exactly hdr.len payload bytes:
 *
 *   struct proto_header  24 bytes, host byte order (both ends are the same
 *                        binary on the same machine)
 *     type     uint32    enum proto_type
 *     len      uint32    payload length; checked exactly per type
 *     slot     uint32    the worker's pool slot (0..N-1)
 *     reserved uint32    0
 *     job_id   int64     the job the message is about, 0 for none
 *
 * Payloads, by type:
 *   HELLO    worker→server  struct proto_hello (version must equal PROTO_VERSION)
 *   RUN      server→worker  struct proto_run (64 bytes), then argc
 *                           NUL-terminated argv strings, envc NUL-terminated
 *                           "K=V" strings, cwd_len bytes of cwd
 *                           (NUL-terminated), stdin_len bytes of stdin; len
 *                           must equal the sum exactly
 *   CANCEL   server→worker  empty: SIGTERM the job's process group, SIGKILL
 *                           after the grace period
 *   STARTED  worker→server  struct proto_started (after the exec succeeded)
 *   DONE     worker→server  struct proto_done (the job's process group is gone)
 *
 * struct proto_run, field by field:
 *   timeout_ms  int64   wall-clock limit; the worker SIGTERMs then SIGKILLs
 *   flags       uint32  none defined yet: 0; carried through unchanged
 *   attempt     uint32  1 for the first attempt; a later one starts its
 *                       output files afresh
 *   argc, envc  uint32  how many strings follow, argv first
 *   cwd_len     uint32  bytes of cwd including its NUL; 0 for none
 *   stdin_len   uint32  bytes of stdin after cwd
 *   memory_mb, cpu_s, open_files, processes
 *               int64   the job's limits (struct job_limits, worker/limits.h
 *                       says how each is enforced); 0 = none, negative is
 *                       refused by proto_run_parse
 *
 * Version history: 1 first; 2 added the four limits to struct proto_run.
 *
 * How to change this: bump PROTO_VERSION for any change of a struct or type
 * (a worker respawned after the binary was replaced on disk runs new code
 * against the old server; HELLO's version is what catches it), keep every
 * struct free of padding and update its _Static_assert size below, and keep
 * both ends in this one file. A peer that sends a wrong length or an
 * unknown type is treated as broken: the server replaces that worker.
 */
#ifndef JOBD_PROTO_H
#define JOBD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"

#define PROTO_VERSION 2
#define PROTO_MAX_PAYLOAD (64u << 20)
#define PROTO_WORKER_FD 3

enum proto_type {
	PROTO_HELLO = 1,
	PROTO_RUN,
	PROTO_CANCEL,
	PROTO_STARTED,
	PROTO_DONE,
};

struct proto_header {
	uint32_t type;
	uint32_t len;
	uint32_t slot;
	uint32_t reserved;
	int64_t job_id;
};
_Static_assert(sizeof(struct proto_header) == 24, "struct proto_header is part of the wire format");

struct proto_hello {
	uint32_t version;
	int32_t pid;
};
_Static_assert(sizeof(struct proto_hello) == 8, "struct proto_hello is part of the wire format");

struct proto_run {
	int64_t timeout_ms;
	uint32_t flags;      /* none defined yet: 0; carried through unchanged */
	uint32_t attempt;
	uint32_t argc;
	uint32_t envc;
	uint32_t cwd_len;
	uint32_t stdin_len;
	int64_t memory_mb;   /* limits: 0 = none (see the table above) */
	int64_t cpu_s;
	int64_t open_files;
	int64_t processes;
};
_Static_assert(sizeof(struct proto_run) == 64, "struct proto_run is part of the wire format");

struct proto_started {
	int32_t pid;
	int32_t reserved;
	int64_t started_us;  /* wall clock */
};
_Static_assert(sizeof(struct proto_started) == 16, "struct proto_started is part of the wire format");

struct proto_done {
	int32_t status;      /* enum run_status */
	int32_t exit_code;
	int32_t term_signal;
	int32_t reserved;
	int64_t started_us, finished_us, run_us;
	int64_t cpu_user_us, cpu_sys_us, max_rss_kb;
	int64_t stdout_bytes, stderr_bytes;
	char error[256];     /* NUL-terminated */
};
_Static_assert(sizeof(struct proto_done) == 336, "struct proto_done is part of the wire format");

/* A decoded RUN: pointers into the payload buffer the caller owns. */
struct proto_run_view {
	struct proto_run fixed;
	char **argv;         /* malloc'd array, argc + 1 entries, NULL-terminated */
	char **envp;         /* malloc'd, envc + 1 entries */
	const char *cwd;     /* NULL when cwd_len == 0 */
	const char *stdin_data;
};

/* Blocking send of one whole message (writev until done; EINTR retried;
 * MSG_NOSIGNAL so a dead peer is EPIPE, not SIGPIPE). */
int proto_send(int fd, uint32_t type, uint32_t slot, int64_t job_id,
    const void *payload, size_t len, char *err);
int proto_send2(int fd, uint32_t type, uint32_t slot, int64_t job_id,
    const void *a, size_t alen, const void *b, size_t blen, char *err);

/* Blocking receive of one whole message into *payload (malloc'd, caller
 * frees). Returns 1 for a message, 0 on clean EOF, -1 on error. */
int proto_recv(int fd, struct proto_header *hdr, void **payload, char *err);

/* Checks hdr.len for fixed-size types. 0 or -1 with err. */
int proto_check_len(const struct proto_header *hdr, char *err);

/* The length of the RUN payload proto_run_build would make of these; over
 * PROTO_MAX_PAYLOAD it cannot be sent. */
size_t proto_run_size(char *const *argv, char *const *envp, const char *cwd, size_t stdin_len);
/* Builds a RUN payload from argv/env/cwd/stdin. Returns malloc'd buffer. */
void *proto_run_build(const struct proto_run *fixed, char *const *argv,
    char *const *envp, const char *cwd, const char *stdin_data, size_t *len_out);
/* Decodes and checks a RUN payload. view->argv/envp must be freed. */
int proto_run_parse(const void *payload, size_t len, struct proto_run_view *view, char *err);
void proto_run_view_free(struct proto_run_view *view);

void proto_done_from_result(struct proto_done *d, const struct run_result *r);
void proto_done_to_result(const struct proto_done *d, struct run_result *r);

/* Incremental, non-blocking reader for the server side. */
struct proto_reader {
	unsigned char *buf;
	size_t len, cap;
	size_t consumed;  /* bytes of the last message handed out */
};
/* Reads what is available. 1 if data came, 0 on EOF, -1 on error (not EAGAIN). */
int proto_reader_fill(struct proto_reader *rd, int fd, char *err);
/* Takes the next complete message, if any: 1 and *payload points into the
 * reader (valid until the next fill/next call); 0 if incomplete; -1 if the
 * header is impossible. */
int proto_reader_next(struct proto_reader *rd, struct proto_header *hdr,
    const void **payload, char *err);
void proto_reader_free(struct proto_reader *rd);

#endif
