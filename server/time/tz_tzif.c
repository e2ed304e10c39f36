/*
 * tz_tzif.c — decodes a TZif zone file (RFC 8536, versions 1 to 4) into a
 * struct tz: the offset before the first transition, the transitions that
 * change the offset (renames and isdst-only changes are dropped here, so
 * every span boundary tz.c reports is a real jump of the wall clock), and
 * the footer's POSIX TZ rule (parsed by tz_rule.c) for what comes after.
 *
 * Trust: the bytes come from the zoneinfo directory, but are still
 * bounds-checked field by field as RFC 8536 lays them out. Leap-second
 * records are skipped. Reading the file, and naming it in errors, is
 * tz.c's job; this file sees only bytes.
 */
#include "tz_internal.h"

#include <stdlib.h>
#include <string.h>

#define SECS_PER_HOUR 3600

#define TZIF_MAGIC "TZif"
#define TZIF_MAGIC_LEN 4
#define TZIF_HEADER_LEN 44
#define TZIF_COUNTS_AT 20           /* six big-endian uint32 counts */
#define TZIF_TTINFO_LEN 6           /* int32 utoff, uint8 isdst, uint8 desigidx */
#define TZIF_LEAP_CORR_LEN 4
#define TZIF_FOOTER_MAX 512
#define UTOFF_MIN (-25 * SECS_PER_HOUR) /* RFC 8536 §3.2: -89999..93599 */
#define UTOFF_MAX (26 * SECS_PER_HOUR)

/* The header's counts, in file order. */
struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be_time(const uint8_t *p, size_t timesize)
{
	if (timesize == sizeof(int32_t))
		return (int32_t)be32(p);
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + sizeof(int32_t)));
}

/* Magic, version ('\0' for 1, else '2'..'4'), six counts. */
static enum tz_tzif_result tzif_header(const uint8_t *p, size_t len, struct tzif_counts *c,
    int *version, const char **why)
{
	const uint8_t *n = p + TZIF_COUNTS_AT;

	if (len < TZIF_HEADER_LEN || memcmp(p, TZIF_MAGIC, TZIF_MAGIC_LEN) != 0)
		return TZ_TZIF_NOT_TZIF;
	if (p[TZIF_MAGIC_LEN] == '\0') {
		*version = 1;
	} else if (p[TZIF_MAGIC_LEN] >= '2' && p[TZIF_MAGIC_LEN] <= '4') {
		*version = p[TZIF_MAGIC_LEN] - '0';
	} else {
		*why = "unsupported version";
		return TZ_TZIF_CORRUPT;
	}
	*c = (struct tzif_counts){ be32(n), be32(n + 4), be32(n + 8), be32(n + 12),
	    be32(n + 16), be32(n + 20) };
	return TZ_TZIF_OK;
}

/* Bytes of a data block; counts are 32-bit, so this cannot overflow. */
static uint64_t tzif_block_len(const struct tzif_counts *c, size_t timesize)
{
	return (uint64_t)c->time * timesize + c->time + (uint64_t)c->type * TZIF_TTINFO_LEN +
	    c->chars + (uint64_t)c->leap * (timesize + TZIF_LEAP_CORR_LEN) + c->isstd + c->isut;
}

/* Transitions and types into tz->first_offset/at/offset, keeping only the
 * transitions that change the offset. The block is len-checked already. */
static enum tz_tzif_result tzif_block(struct tz *tz, const uint8_t *p,
    const struct tzif_counts *c, size_t timesize, const char **why)
{
	const uint8_t *times = p, *idx = p + (size_t)c->time * timesize;
	const uint8_t *ttinfo = idx + c->time;
	int32_t cur;

	if (c->type == 0 || c->chars == 0 || (c->isut != 0 && c->isut != c->type) ||
	    (c->isstd != 0 && c->isstd != c->type)) {
		*why = "bad counts in header";
		return TZ_TZIF_CORRUPT;
	}
	for (uint32_t i = 0; i < c->type; i++) {
		const uint8_t *t = ttinfo + (size_t)i * TZIF_TTINFO_LEN;
		int32_t utoff = (int32_t)be32(t);

		if (utoff < UTOFF_MIN || utoff > UTOFF_MAX || t[5] >= c->chars) {
			*why = "bad local time type";
			return TZ_TZIF_CORRUPT;
		}
	}
	if (c->time > 0) {
		tz->at = malloc(c->time * sizeof(*tz->at));
		tz->offset = malloc(c->time * sizeof(*tz->offset));
		if (tz->at == NULL || tz->offset == NULL)
			return TZ_TZIF_NO_MEMORY;
	}
	cur = tz->first_offset = (int32_t)be32(ttinfo);
	for (uint32_t i = 0; i < c->time; i++) {
		int64_t at = be_time(times + (size_t)i * timesize, timesize);
		int32_t off;

		if (i > 0 && at <= be_time(times + (size_t)(i - 1) * timesize, timesize)) {
			*why = "transition times not ascending";
			return TZ_TZIF_CORRUPT;
		}
		if (idx[i] >= c->type) {
			*why = "bad transition type index";
			return TZ_TZIF_CORRUPT;
		}
		off = (int32_t)be32(ttinfo + (size_t)idx[i] * TZIF_TTINFO_LEN);
		if (off == cur)
			continue;
		tz->at[tz->count] = at;
		tz->offset[tz->count++] = cur = off;
	}
	return TZ_TZIF_OK;
}

/* After the v2+ data block: "\n" TZ-string "\n"; an empty string means no rule. */
static enum tz_tzif_result tzif_footer(struct tz *tz, const uint8_t *p, size_t len,
    const char **why)
{
	char text[TZIF_FOOTER_MAX];
	const uint8_t *nl;
	size_t n;

	if (len == 0)
		return TZ_TZIF_OK;  /* RFC 8536 wants one, old writers omitted it */
	if (p[0] != '\n' || (nl = memchr(p + 1, '\n', len - 1)) == NULL) {
		*why = "footer not enclosed in newlines";
		return TZ_TZIF_CORRUPT;
	}
	n = (size_t)(nl - (p + 1));
	if (n == 0)
		return TZ_TZIF_OK;
	if (n >= sizeof(text) || memchr(p + 1, '\0', n) != NULL) {
		*why = "bad TZ string footer";
		return TZ_TZIF_CORRUPT;
	}
	memcpy(text, p + 1, n);
	text[n] = '\0';
	if (tz_rule_parse(text, &tz->rule) < 0) {
		*why = "bad TZ string footer";
		return TZ_TZIF_CORRUPT;
	}
	tz->has_rule = true;
	return TZ_TZIF_OK;
}

/* A whole file; v2+ files are read from their 64-bit block and footer,
 * skipping the 32-bit block that v1 readers use. */
enum tz_tzif_result tz_tzif_parse(struct tz *tz, const uint8_t *buf, size_t len,
    const char **why)
{
	struct tzif_counts c;
	int version, v2;
	uint64_t block;
	size_t off = TZIF_HEADER_LEN;
	enum tz_tzif_result r = tzif_header(buf, len, &c, &version, why);

	if (r != TZ_TZIF_OK)
		return r;
	block = tzif_block_len(&c, sizeof(int32_t));
	if (block > len - off) {
		*why = "truncated";
		return TZ_TZIF_CORRUPT;
	}
	if (version == 1)
		return tzif_block(tz, buf + off, &c, sizeof(int32_t), why);
	off += (size_t)block;
	r = tzif_header(buf + off, len - off, &c, &v2, why);
	if (r == TZ_TZIF_NOT_TZIF)
		*why = "missing or bad second header";
	if (r != TZ_TZIF_OK)
		return TZ_TZIF_CORRUPT;
	off += TZIF_HEADER_LEN;
	block = tzif_block_len(&c, sizeof(int64_t));
	if (block > len - off) {
		*why = "truncated";
		return TZ_TZIF_CORRUPT;
	}
	r = tzif_block(tz, buf + off, &c, sizeof(int64_t), why);
	if (r != TZ_TZIF_OK)
		return r;
	off += (size_t)block;
	return tzif_footer(tz, buf + off, len - off, why);
}
