/*
 * test_proto.c — common/proto.c's blocking send and receive over real
 * socketpairs: every message type round-trips, lengths are checked exactly
 * per type, EOF before and inside a message are told apart, a dead peer is
 * EPIPE (MSG_NOSIGNAL, not SIGPIPE), and a message larger than the socket
 * buffer survives partial sends. RUN payloads: test_proto_run.c; the
 * server's incremental reader: test_proto_reader.c.
 */
#include "testutil.h"

#include <pthread.h>

#include "common/proto.h"

/* Sends one message on fd[0], receives it on fd[1], checks header and bytes. */
static void round_trip(struct tu_pair *p, uint32_t type, const void *payload, size_t len)
{
	struct proto_header h;
	void *got;

	if (proto_send(p->fd[0], type, 7, 42, payload, len, p->err) != 0)
		fail_msg("proto_send: %s", p->err);
	if (proto_recv(p->fd[1], &h, &got, p->err) != 1)
		fail_msg("proto_recv: %s", p->err);
	assert_int_equal(h.type, type);
	assert_int_equal(h.len, len);
	assert_int_equal(h.slot, 7);
	assert_int_equal(h.reserved, 0);
	assert_int_equal(h.job_id, 42);
	assert_non_null(got);
	if (len > 0)
		assert_memory_equal(got, payload, len);
	free(got);
}

static void test_hello_round_trips(void **state)
{
	struct proto_hello hello = { .version = PROTO_VERSION, .pid = 1234 };
	round_trip(*state, PROTO_HELLO, &hello, sizeof(hello));
}

static void test_cancel_round_trips_with_an_empty_payload(void **state)
{
	round_trip(*state, PROTO_CANCEL, NULL, 0);
}

static void test_started_round_trips(void **state)
{
	struct proto_started started = { .pid = 4321, .started_us = 1795554272123456LL };
	round_trip(*state, PROTO_STARTED, &started, sizeof(started));
}

static void test_done_round_trips_and_converts_to_a_result(void **state)
{
	/* static: its padding is zero, so the whole struct can be compared. */
	static const struct run_result r = {
		.status = RUN_START_FAILED, .exit_code = -1, .term_signal = -1, .started_us = 10,
		.finished_us = 30, .run_us = 20, .cpu_user_us = 1, .cpu_sys_us = 2,
		.max_rss_kb = 3, .stdout_bytes = 4, .stderr_bytes = 5,
		.error = "exec frobnicate: No such file or directory",
	};
	struct run_result back;
	struct proto_done d;

	proto_done_from_result(&d, &r);
	round_trip(*state, PROTO_DONE, &d, sizeof(d));
	proto_done_to_result(&d, &back);
	assert_memory_equal(&back, &r, sizeof(r));
}

static void test_done_from_a_peer_is_read_safely(void **state)
{
	struct proto_done d;
	struct run_result r;
	(void)state;

	/* An unknown status and an error without a NUL, as a broken worker may send. */
	memset(&d, 'x', sizeof(d));
	d.status = 99;
	proto_done_to_result(&d, &r);
	assert_int_equal(r.status, RUN_START_FAILED);
	assert_int_equal(strlen(r.error), sizeof(r.error) - 1);
}

static void test_run_round_trips_over_the_socket(void **state)
{
	struct proto_run fixed = { .timeout_ms = 1000 };
	char *argv[] = { (char *)"true", NULL };
	size_t len;
	void *run = proto_run_build(&fixed, argv, NULL, NULL, NULL, &len);

	assert_non_null(run);
	round_trip(*state, PROTO_RUN, run, len);
	free(run);
}

static void test_lengths_are_checked_exactly_per_type(void **state)
{
	static const struct { uint32_t type, len; int ok; } cases[] = {
		{ PROTO_HELLO, sizeof(struct proto_hello), 0 },
		{ PROTO_HELLO, sizeof(struct proto_hello) + 1, -1 },
		{ PROTO_CANCEL, 0, 0 },
		{ PROTO_CANCEL, 1, -1 },
		{ PROTO_STARTED, sizeof(struct proto_started), 0 },
		{ PROTO_STARTED, 0, -1 },
		{ PROTO_DONE, sizeof(struct proto_done), 0 },
		{ PROTO_DONE, sizeof(struct proto_done) - 1, -1 },
		{ PROTO_RUN, sizeof(struct proto_run), 0 },
		{ PROTO_RUN, sizeof(struct proto_run) - 1, -1 },
		{ PROTO_RUN, PROTO_MAX_PAYLOAD + 1, -1 },
		{ 0, 0, -1 },
		{ PROTO_DONE + 1, 0, -1 },
	};
	char err[ERR_LEN];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_header h = { .type = cases[i].type, .len = cases[i].len };
		err[0] = '\0';
		if (proto_check_len(&h, err) != cases[i].ok)
			fail_msg("type %u len %u: want %d", cases[i].type, cases[i].len, cases[i].ok);
		assert_true(cases[i].ok == 0 || err[0] != '\0');
	}
}

static void test_done_with_a_wrong_length_is_rejected_on_receive(void **state)
{
	struct tu_pair *p = *state;
	char buf[sizeof(struct proto_done) - 1] = { 0 };
	struct proto_header h;
	void *got = (void *)buf;

	assert_int_equal(proto_send(p->fd[0], PROTO_DONE, 0, 1, buf, sizeof(buf), p->err), 0);
	assert_int_equal(proto_recv(p->fd[1], &h, &got, p->err), -1);
	assert_null(got);
	tu_assert_contains(p->err, "want");
}

static void test_send_refuses_a_payload_over_the_limit(void **state)
{
	struct tu_pair *p = *state;
	static char byte;

	/* The length check comes first: the oversized buffer is never read. */
	assert_int_equal(proto_send2(p->fd[0], PROTO_RUN, 0, 1, &byte, PROTO_MAX_PAYLOAD, &byte, 1,
	    p->err), -1);
	tu_assert_contains(p->err, "exceeds");
}

static void test_recv_tells_clean_eof_from_eof_inside_a_message(void **state)
{
	struct tu_pair *p = *state;
	struct proto_header h = { .type = PROTO_STARTED, .len = sizeof(struct proto_started) };
	void *got;

	/* A whole header, half a payload, then the peer goes away. */
	tu_write_all(p->fd[0], &h, sizeof(h));
	tu_write_all(p->fd[0], "abcd", 4);
	tu_close(&p->fd[0]);
	assert_int_equal(proto_recv(p->fd[1], &h, &got, p->err), -1);
	assert_null(got);
	tu_assert_contains(p->err, "EOF");
	assert_int_equal(proto_recv(p->fd[1], &h, &got, p->err), 0);
}

static void test_recv_fails_on_eof_inside_a_header(void **state)
{
	struct tu_pair *p = *state;
	struct proto_header h;
	void *got;

	tu_write_all(p->fd[0], "0123456789", 10);
	tu_close(&p->fd[0]);
	assert_int_equal(proto_recv(p->fd[1], &h, &got, p->err), -1);
	tu_assert_contains(p->err, "EOF");
}

static void test_send_to_a_closed_peer_fails_with_epipe(void **state)
{
	struct tu_pair *p = *state;
	struct proto_hello hello = { .version = PROTO_VERSION };

	tu_close(&p->fd[1]);
	/* Without MSG_NOSIGNAL this would kill the test with SIGPIPE. */
	assert_int_equal(proto_send(p->fd[0], PROTO_HELLO, 0, 0, &hello, sizeof(hello), p->err), -1);
	tu_assert_contains(p->err, strerror(EPIPE));
}

struct receiver {
	int fd;
	struct proto_header h;
	void *payload;
	int rc;
	char err[ERR_LEN];
};

static void *receive(void *arg)
{
	struct receiver *r = arg;
	r->rc = proto_recv(r->fd, &r->h, &r->payload, r->err);
	return NULL;
}

static void test_large_message_survives_partial_sends(void **state)
{
	struct tu_pair *p = *state;
	/* Far more than a socket buffer holds: sendmsg returns short, often mid-iovec. */
	size_t n = 4u << 20;
	char *stdin_data = malloc(n);
	struct proto_run fixed = { .stdin_len = (uint32_t)n };
	char *argv[] = { (char *)"cat", NULL };
	struct receiver r = { .fd = p->fd[1] };
	pthread_t t;
	size_t len;

	assert_non_null(stdin_data);
	for (size_t i = 0; i < n; i++)
		stdin_data[i] = (char)(i * 7 + i / 4096);
	void *run = proto_run_build(&fixed, argv, NULL, "/", stdin_data, &len);
	assert_int_equal(pthread_create(&t, NULL, receive, &r), 0);
	assert_int_equal(proto_send2(p->fd[0], PROTO_RUN, 1, 9, run, 100, (char *)run + 100,
	    len - 100, p->err), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (r.rc != 1)
		fail_msg("proto_recv: %s", r.err);
	assert_int_equal(r.h.len, len);
	assert_memory_equal(r.payload, run, len);
	free(r.payload);
	free(run);
	free(stdin_data);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_pair_setup, tu_pair_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hello_round_trips),
		T(test_cancel_round_trips_with_an_empty_payload),
		T(test_started_round_trips),
		T(test_done_round_trips_and_converts_to_a_result),
		T(test_done_from_a_peer_is_read_safely),
		T(test_run_round_trips_over_the_socket),
		T(test_lengths_are_checked_exactly_per_type),
		T(test_done_with_a_wrong_length_is_rejected_on_receive),
		T(test_send_refuses_a_payload_over_the_limit),
		T(test_recv_tells_clean_eof_from_eof_inside_a_message),
		T(test_recv_fails_on_eof_inside_a_header),
		T(test_send_to_a_closed_peer_fails_with_epipe),
		T(test_large_message_survives_partial_sends),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
