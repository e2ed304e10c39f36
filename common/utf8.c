/*
 * utf8.c — cutting on character boundaries and replacing ill-formed UTF-8
 * (see utf8.h). Well-formed means Unicode's table 3-7: no overlong forms,
 * no surrogates (ED A0..BF), nothing above U+10FFFF — what a strict
 * decoder (Python's json.loads, a browser's JSON.parse of a fetch body)
 * accepts.
 */
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define REPLACEMENT_LEN 3
#define HIGH_BITS UINT64_C(0x8080808080808080)

int utf8_char_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int need;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return -1; /* a continuation byte, an overlong lead, or beyond U+10FFFF */
	if (c < 0xe0) {
		need = 2;
	} else if (c < 0xf0) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates above */
	} else {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	for (int i = 1; i < need; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max), lead = n;

	/* Back over at most three continuation bytes to the last lead byte. */
	while (lead > 0 && n - lead < 3 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || ((unsigned char)s[lead - 1] & 0xc0) != 0xc0)
		return n;
	lead--;
	/* Cut there only when the character is a valid start that ran out of bytes. */
	int len = utf8_char_len(s + lead, n - lead);
	return len < 0 && (size_t)-len == n - lead ? lead : n;
}

/* How many leading bytes of s[0..n) are ASCII, eight at a time. */
static size_t ascii_prefix(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(&w, s + i, sizeof(w));
		if (w & HIGH_BITS)
			break;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

char *utf8_sanitize(char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s), start = ascii_prefix(s, n), bad = 0;

	for (size_t i = start; i < n;) {
		int len = utf8_char_len(s + i, n - i);
		bad += len < 0;
		i += (size_t)(len < 0 ? -len : len);
	}
	if (bad == 0)
		return s;
	/* Each replaced run is at least one byte and becomes three. */
	char *out = malloc(n + bad * (REPLACEMENT_LEN - 1) + 1);
	if (out == NULL) {
		free(s);
		return NULL;
	}
	size_t o = start;
	memcpy(out, s, start);
	for (size_t i = start; i < n;) {
		int len = utf8_char_len(s + i, n - i);
		if (len < 0) {
			memcpy(out + o, REPLACEMENT, REPLACEMENT_LEN);
			o += REPLACEMENT_LEN;
			i += (size_t)-len;
		} else {
			memcpy(out + o, s + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		}
	}
	out[o] = '\0';
	free(s);
	return out;
}
