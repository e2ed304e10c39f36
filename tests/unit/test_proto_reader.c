/*
 * test_proto_reader.c — common/proto.c's incremental, non-blocking reader
 * (the server side of every worker socket): messages are reassembled however
 * the byte stream is cut, a worker that sends RUN or an unknown type is
 * refused, and EOF is told apart from "nothing to read yet".
 */
#include "testutil.h"

#include "common/proto.h"

/* HELLO, CANCEL, STARTED, DONE as one byte stream, as a worker sends them. */
static unsigned char *worker_stream(size_t *len)
{
	struct proto_hello hello = { .version = PROTO_VERSION, .pid = 77 };
	struct proto_started started = { .pid = 78, .started_us = 5 };
	struct proto_done done = { .status = RUN_EXITED, .exit_code = 3, .error = "boom" };
	const void *payload[] = { &hello, NULL, &started, &done };
	const size_t size[] = { sizeof(hello), 0, sizeof(started), sizeof(done) };
	const uint32_t type[] = { PROTO_HELLO, PROTO_CANCEL, PROTO_STARTED, PROTO_DONE };
	unsigned char *buf = malloc(4 * sizeof(struct proto_header) + sizeof(hello) +
	    sizeof(started) + sizeof(done)), *p = buf;

	assert_non_null(buf);
	for (int i = 0; i < 4; i++) {
		struct proto_header h = { .type = type[i], .len = (uint32_t)size[i], .slot = 2,
			.job_id = 100 + i };
		memcpy(p, &h, sizeof(h));
		if (size[i] > 0)
			memcpy(p + sizeof(h), payload[i], size[i]);
		p += sizeof(h) + size[i];
	}
	*len = (size_t)(p - buf);
	return buf;
}

/* Takes every complete message the reader holds; checks each against the stream. */
static int drain(struct proto_reader *rd, int seen, char *err)
{
	static const uint32_t type[] = { PROTO_HELLO, PROTO_CANCEL, PROTO_STARTED, PROTO_DONE };
	struct proto_header h;
	const void *payload;
	int rc;

	while ((rc = proto_reader_next(rd, &h, &payload, err)) == 1) {
		assert_true(seen < 4);
		assert_int_equal(h.type, type[seen]);
		assert_int_equal(h.job_id, 100 + seen);
		if (h.type == PROTO_DONE)
			assert_string_equal(((const struct proto_done *)payload)->error, "boom");
		if (h.type == PROTO_HELLO)
			assert_int_equal(((const struct proto_hello *)payload)->pid, 77);
		seen++;
	}
	assert_int_equal(rc, 0);
	return seen;
}

static void test_reader_reassembles_messages_cut_at_every_byte(void **state)
{
	struct tu_pair *p = *state;
	size_t len;
	unsigned char *stream = worker_stream(&len);

	/* One byte at a time: every header and payload boundary is crossed. */
	struct proto_reader rd = { 0 };
	int seen = 0;
	for (size_t i = 0; i < len; i++) {
		tu_write_all(p->fd[0], stream + i, 1);
		assert_int_equal(proto_reader_fill(&rd, p->fd[1], p->err), 1);
		seen = drain(&rd, seen, p->err);
	}
	assert_int_equal(seen, 4);
	proto_reader_free(&rd);

	/* Two pieces, cut at each offset in turn. */
	for (size_t cut = 1; cut < len; cut++) {
		struct proto_reader r2 = { 0 };
		tu_write_all(p->fd[0], stream, cut);
		assert_int_equal(proto_reader_fill(&r2, p->fd[1], p->err), 1);
		seen = drain(&r2, 0, p->err);
		tu_write_all(p->fd[0], stream + cut, len - cut);
		assert_int_equal(proto_reader_fill(&r2, p->fd[1], p->err), 1);
		assert_int_equal(drain(&r2, seen, p->err), 4);
		proto_reader_free(&r2);
	}
	free(stream);
}

static void test_reader_refuses_run_and_unknown_types_from_a_worker(void **state)
{
	struct tu_pair *p = *state;
	struct proto_header bad[] = {
		{ .type = PROTO_RUN, .len = sizeof(struct proto_run) },
		{ .type = 99 },
	};

	for (int i = 0; i < 2; i++) {
		struct proto_reader rd = { 0 };
		struct proto_header h;
		const void *payload;
		tu_write_all(p->fd[0], &bad[i], sizeof(bad[i]));
		assert_int_equal(proto_reader_fill(&rd, p->fd[1], p->err), 1);
		p->err[0] = '\0';
		assert_int_equal(proto_reader_next(&rd, &h, &payload, p->err), -1);
		assert_true(p->err[0] != '\0');
		proto_reader_free(&rd);
	}
}

static void test_reader_reports_eof_and_nothing_to_read(void **state)
{
	struct tu_pair *p = *state;
	struct proto_reader rd = { 0 };

	/* Nothing yet is not an error: the socket is simply not ready. */
	assert_int_equal(proto_reader_fill(&rd, p->fd[1], p->err), 1);
	tu_close(&p->fd[0]);
	assert_int_equal(proto_reader_fill(&rd, p->fd[1], p->err), 0);
	proto_reader_free(&rd);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_pair_setup, tu_pair_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reader_reassembles_messages_cut_at_every_byte),
		T(test_reader_refuses_run_and_unknown_types_from_a_worker),
		T(test_reader_reports_eof_and_nothing_to_read),
	};
	return cmocka_run_group_tests_name("proto_reader", tests, NULL, NULL);
}
