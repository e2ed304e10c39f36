/*
 * hostname.h — the names the browser guard (http_guard.c) reasons about:
 * the name part of a Host header or of an Origin's authority, whether it is
 * `localhost` or an IP literal (names DNS rebinding cannot forge), the
 * operator's --allowed-host list, and whether a listen address is loopback.
 * Pure functions on strings; nothing here reads the network or the config.
 */
#ifndef JOBD_HOSTNAME_H
#define JOBD_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* The longest name kept: a DNS name is at most 253 bytes, a bracketed IPv6
 * literal with a zone far less. */
#define HOSTNAME_MAX 256

/* name = authority without its port: "a.example:8080" → "a.example",
 * "[::1]:80" → "[::1]". -1 when it is malformed (empty name, a port that is
 * not digits, an unclosed bracket, a bare IPv6 address) or too long. */
int hostname_of(const char *authority, char name[HOSTNAME_MAX]);
/* `localhost`, a dotted IPv4 literal or a bracketed IPv6 literal. */
bool hostname_is_local_or_ip(const char *name);
/* name (no port) equals an entry of the comma-separated list, ignoring case,
 * or ends in ".example.com" when the list has "*.example.com". */
bool hostname_in_list(const char *name, const char *list);
/* 0 when list is a valid --allowed-host value (comma-separated names of
 * A-Z a-z 0-9 . -, each may start with "*."), else -1 with err. */
int hostname_list_check(const char *list, char *err);
/* addr (a --listen address without brackets) is 127.x.x.x or ::1. */
bool hostname_addr_is_loopback(const char *addr);

#endif
