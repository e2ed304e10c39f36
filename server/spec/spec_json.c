/*
 * spec_json.c — the first gate of every request body (see spec.h): valid
 * UTF-8, no raw NUL, one JSON value and nothing after it. Escaped NULs are
 * marked here so the validators in spec.c can name the field holding one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int spec_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		unsigned c = *s;
		size_t n;
		unsigned min;
		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - s) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (s[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		s += n + 1;
	}
	return 1;
}

size_t spec_utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* "\u0000" would silently cut a C string short, and cJSON cannot tell us
 * where one was. So each escaped NUL is rewritten, before parsing, to the
 * escape of U+10FFFF — a noncharacter no client has reason to send — and the
 * validators refuse any string holding it, naming the field. */

static char *mark_escaped_nuls(const char *body, size_t len, size_t *out_len)
{
	size_t count = 0;
	for (size_t i = 0; i + 5 < len; i++) {
		if (body[i] != '\\')
			continue;
		if (body[i + 1] == 'u' && memcmp(body + i + 2, "0000", 4) == 0)
			count++;
		i++; /* skip the escaped character, so "\\u0000" is not a NUL */
	}
	if (count == 0)
		return NULL;
	char *copy = malloc(len + count * 6 + 1), *o = copy;
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == '\\' && i + 5 < len && body[i + 1] == 'u' &&
		    memcmp(body + i + 2, "0000", 4) == 0) {
			memcpy(o, "\\uDBFF\\uDFFF", 12);
			o += 12;
			i += 5;
		} else if (body[i] == '\\' && i + 1 < len) {
			*o++ = body[i++];
			*o++ = body[i];
		} else {
			*o++ = body[i];
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - copy);
	return copy;
}


cJSON *spec_parse_json(const char *body, size_t len, struct spec_error *e)
{
	memset(e, 0, sizeof(*e));
	e->invalid_json = 1;
	if (len == 0) {
		snprintf(e->message, sizeof(e->message), "the request body is empty; want a JSON object");
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL) {
		snprintf(e->message, sizeof(e->message), "the body contains a NUL byte");
		return NULL;
	}
	if (!spec_utf8_valid(body, len)) {
		snprintf(e->message, sizeof(e->message), "the body is not valid UTF-8");
		return NULL;
	}
	size_t marked_len = 0;
	char *marked = mark_escaped_nuls(body, len, &marked_len);
	if (marked != NULL) {
		body = marked;
		len = marked_len;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		snprintf(e->message, sizeof(e->message), "not valid JSON (near byte %zu)",
		    end ? (size_t)(end - body) : 0);
	} else {
		/* Only white space may follow the value. */
		for (const char *p = end; p < body + len; p++) {
			if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
				snprintf(e->message, sizeof(e->message),
				    "not valid JSON: data after the value at byte %zu", (size_t)(p - body));
				cJSON_Delete(root);
				root = NULL;
				break;
			}
		}
	}
	free(marked);
	if (root != NULL)
		e->invalid_json = 0;
	return root;
}

