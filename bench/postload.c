/*
 * postload.c — keep-alive HTTP load client for the jobd bench (issue 5, rows 2, 3, 5).
 *
 * Sends the same request over C persistent connections, one request in flight
 * per connection (no pipelining: a client waits for each 201 before the next
 * job, which is what "durable before its 201" costs). One thread, epoll.
 * Stops after COUNT requests or SECONDS, whichever comes first, and prints
 *
 *   requests=N ok=N errors=N seconds=S rps=R p50_ms= p90_ms= p99_ms= max_ms=
 *
 * "ok" means a 2xx status. Only loopback, only what the bench asks for.
 *
 *   postload -a 127.0.0.1:8080 [-m POST] [-p /v1/jobs] [-b BODY]
 *            [-c CONNS] [-n COUNT] [-t SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR_MAX 16384
#define MAX_CONNS 256

struct conn {
	int fd;
	char hdr[HDR_MAX];
	size_t have;       /* bytes in hdr while the header is incomplete */
	long body_left;    /* -1 until the header is parsed */
	int status;
	int close_after;
	double t_sent;
};

static struct sockaddr_in g_addr;
static char *g_req;
static size_t g_req_len;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "postload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int conn_open(struct conn *c, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	if (connect(c->fd, (struct sockaddr *)&g_addr, sizeof(g_addr)) < 0)
		die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
	return 0;
}

static void conn_send(struct conn *c)
{
	size_t off = 0;
	ssize_t n;

	c->have = 0;
	c->body_left = -1;
	c->status = 0;
	c->close_after = 0;
	c->t_sent = now_s();
	while (off < g_req_len) {
		n = write(c->fd, g_req + off, g_req_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		off += (size_t)n;
	}
}

/* Parses a complete header in c->hdr; returns the body bytes already read. */
static long parse_header(struct conn *c, size_t hdr_end)
{
	char *line, *save = NULL;
	long clen = 0;

	c->hdr[hdr_end] = '\0';
	if (sscanf(c->hdr, "HTTP/1.%*d %d", &c->status) != 1) {
		fprintf(stderr, "postload: bad status line\n");
		exit(1);
	}
	for (line = strtok_r(c->hdr, "\r\n", &save); line;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtol(line + 15, NULL, 10);
		else if (strncasecmp(line, "Connection:", 11) == 0 &&
		    strcasestr(line, "close"))
			c->close_after = 1;
		else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
			fprintf(stderr, "postload: chunked bodies unsupported\n");
			exit(1);
		}
	}
	return clen;
}

/* Reads what is available; returns 1 when the response is complete. */
static int conn_read(struct conn *c)
{
	char sink[65536];
	ssize_t n;
	char *end;

	for (;;) {
		if (c->body_left < 0) {
			n = recv(c->fd, c->hdr + c->have, HDR_MAX - 1 - c->have,
			    MSG_DONTWAIT);
		} else {
			if (c->body_left == 0)
				return 1;
			n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			die("recv");
		if (n == 0) {
			fprintf(stderr, "postload: server closed the connection\n");
			exit(1);
		}
		if (c->body_left >= 0) {
			c->body_left -= n;
			continue;
		}
		c->have += (size_t)n;
		c->hdr[c->have] = '\0';
		end = strstr(c->hdr, "\r\n\r\n");
		if (!end) {
			if (c->have >= HDR_MAX - 1) {
				fprintf(stderr, "postload: header too large\n");
				exit(1);
			}
			continue;
		}
		size_t hdr_end = (size_t)(end - c->hdr) + 4;
		long extra = (long)(c->have - hdr_end);
		c->body_left = parse_header(c, hdr_end) - extra;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return n ? v[i] * 1e3 : 0.0;
}

static void build_request(const char *method, const char *path,
    const char *body, const char *host)
{
	size_t blen = body ? strlen(body) : 0;
	size_t cap = 512 + strlen(path) + blen;

	g_req = malloc(cap);
	if (!g_req)
		die("malloc");
	if (body)
		g_req_len = (size_t)snprintf(g_req, cap, "%s %s HTTP/1.1\r\n"
		    "Host: %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", method, path, host, blen,
		    body);
	else
		g_req_len = (size_t)snprintf(g_req, cap, "%s %s HTTP/1.1\r\n"
		    "Host: %s\r\n\r\n", method, path, host);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1:8080", *method = NULL, *path = "/v1/jobs";
	const char *body = "{\"command\":[\"true\"]}";
	long conns = 2, count = 1000, issued = 0, done = 0, ok = 0;
	double secs = 60, t0, elapsed, *lat;
	struct epoll_event evs[MAX_CONNS];
	static struct conn cs[MAX_CONNS];
	char host[64], *colon;
	int opt, ep, i, n, first_bad = 0;

	while ((opt = getopt(argc, argv, "a:m:p:b:c:n:t:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'm': method = optarg; break;
		case 'p': path = optarg; break;
		case 'b': body = optarg; break;
		case 'c': conns = strtol(optarg, NULL, 10); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 't': secs = strtod(optarg, NULL); break;
		default: goto usage;
		}
	}
	if (!method)
		method = "POST";
	if (strcmp(method, "POST") != 0)
		body = NULL;
	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (!colon || conns < 1 || conns > MAX_CONNS || count < 1)
		goto usage;
	*colon = '\0';
	g_addr.sin_family = AF_INET;
	g_addr.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &g_addr.sin_addr) != 1)
		goto usage;
	*colon = ':';
	build_request(method, path, body, host);
	lat = malloc(sizeof(double) * (size_t)count);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!lat || ep < 0)
		die("setup");
	if (conns > count)
		conns = count;

	t0 = now_s();
	for (i = 0; i < conns; i++) {
		conn_open(&cs[i], ep);
		conn_send(&cs[i]);
		issued++;
	}
	while (done < issued) {
		n = epoll_wait(ep, evs, MAX_CONNS, 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!conn_read(c))
				continue;
			lat[done++] = now_s() - c->t_sent;
			if (c->status >= 200 && c->status < 300)
				ok++;
			else if (!first_bad++)
				fprintf(stderr, "postload: status %d\n", c->status);
			if (c->close_after) {
				close(c->fd);
				conn_open(c, ep);
			}
			if (issued < count && now_s() - t0 < secs) {
				conn_send(c);
				issued++;
			}
		}
	}
	elapsed = now_s() - t0;
	qsort(lat, (size_t)done, sizeof(double), cmp_double);
	printf("requests=%ld ok=%ld errors=%ld seconds=%.4f rps=%.1f "
	    "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", done, ok,
	    done - ok, elapsed, (double)done / elapsed, pct(lat, done, 0.5),
	    pct(lat, done, 0.9), pct(lat, done, 0.99), pct(lat, done, 1.0));
	return ok == done ? 0 : 1;
usage:
	fprintf(stderr, "usage: postload -a IP:PORT [-m POST|GET] [-p PATH] "
	    "[-b BODY] [-c CONNS] [-n COUNT] [-t SECONDS]\n");
	return 2;
}
