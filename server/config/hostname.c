/*
 * hostname.c — Host and Origin names, the --allowed-host list, loopback
 * listen addresses (see hostname.h).
 */
#include "hostname.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"

int hostname_of(const char *authority, char name[HOSTNAME_MAX])
{
	const char *end;

	if (authority[0] == '[') {
		if ((end = strchr(authority, ']')) == NULL)
			return -1;
		end++;
	} else {
		end = authority + strcspn(authority, ":");
	}
	const char *port = end;
	if (*port == ':')
		port++;
	else if (*port != '\0')
		return -1;
	/* "a:b:c" (a bare IPv6 address, or junk) has a port that is not digits. */
	if (port[strspn(port, "0123456789")] != '\0')
		return -1;
	size_t n = (size_t)(end - authority);
	if (n == 0 || n >= HOSTNAME_MAX)
		return -1;
	memcpy(name, authority, n);
	name[n] = '\0';
	return 0;
}

bool hostname_is_local_or_ip(const char *name)
{
	struct in_addr v4;
	struct in6_addr v6;
	char inner[HOSTNAME_MAX];
	size_t n = strlen(name);

	if (strcasecmp(name, "localhost") == 0 || inet_pton(AF_INET, name, &v4) == 1)
		return true;
	/* Browsers write IPv4 literals dotted ("http://127.1" is sent as Host
	 * 127.0.0.1), so the strict inet_pton form is all they produce. */
	if (n < 3 || n >= sizeof(inner) || name[0] != '[' || name[n - 1] != ']')
		return false;
	memcpy(inner, name + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, &v6) == 1;
}

/* The next entry of a comma-separated list: *p advances past it and its
 * comma; the entry, without surrounding spaces, is [*start, *start + *len). */
static bool next_entry(const char **p, const char **start, size_t *len)
{
	if (**p == '\0')
		return false;
	size_t n = strcspn(*p, ",");
	const char *s = *p;
	*p += n + ((*p)[n] == ',');
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	*start = s;
	*len = n;
	return true;
}

bool hostname_in_list(const char *name, const char *list)
{
	size_t name_len = strlen(name);
	const char *p = list, *e;
	size_t n;

	while (next_entry(&p, &e, &n)) {
		if (n > 2 && e[0] == '*' && e[1] == '.') {
			/* "*.example.com": any name ending in ".example.com". */
			size_t suffix = n - 1;
			if (name_len > suffix &&
			    strncasecmp(name + name_len - suffix, e + 1, suffix) == 0)
				return true;
		} else if (n > 0 && n == name_len && strncasecmp(name, e, n) == 0) {
			return true;
		}
	}
	return false;
}

int hostname_list_check(const char *list, char *err)
{
	const char *p = list, *e;
	size_t n;

	while (next_entry(&p, &e, &n)) {
		const char *name = e;
		size_t len = n;
		if (len > 2 && name[0] == '*' && name[1] == '.') {
			name += 2;
			len -= 2;
		}
		if (len == 0 || len >= HOSTNAME_MAX || strspn(name, NAME_CHARS) < len ||
		    name[0] == '.' || name[0] == '-') {
			err_set(err, "'%.*s': want host names (A-Z a-z 0-9 . -), comma-separated, "
			    "each may start with *.", (int)(n > 64 ? 64 : n), e);
			return -1;
		}
	}
	return 0;
}

bool hostname_addr_is_loopback(const char *addr)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, addr, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}
