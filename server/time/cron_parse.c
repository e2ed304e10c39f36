/*
 * cron_parse.c — turns a cron expression (five fields, or six with
 * seconds, or an @macro) into the bitsets of struct cron; cron.h has the
 * syntax and every refusal. The search for firings is cron.c's part and
 * reads only the struct this fills.
 *
 * Errors name the field and quote the offending text, made printable and
 * cut short (shown), since expressions come straight from API requests.
 * Nothing here allocates.
 */
#include "cron.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define MONTHS_PER_YEAR 12
#define CRON_FIELDS 5
#define CRON_FIELDS_WITH_SECONDS 6
#define NAME_LEN 3                  /* JAN, MON */
#define NUMBER_DIGITS_MAX 9         /* more cannot be in range and would overflow */
#define SHOWN_MAX 32                /* bytes of offending text quoted in err */

/* In the order of a six-field expression; five fields start at the minute. */
enum cron_field { FIELD_SECOND, FIELD_MINUTE, FIELD_HOUR, FIELD_DOM, FIELD_MONTH, FIELD_DOW };

static const char *const month_names[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
};
static const char *const weekday_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

struct field_spec {
	const char *label;
	int min, max;
	const char *const *names;   /* names[i] means min + i; NULL: numbers only */
	int name_count;
	const char *name_kind;
};

static const struct field_spec field_specs[CRON_FIELDS_WITH_SECONDS] = {
	[FIELD_SECOND] = { "second", 0, 59, NULL, 0, NULL },
	[FIELD_MINUTE] = { "minute", 0, 59, NULL, 0, NULL },
	[FIELD_HOUR] = { "hour", 0, 23, NULL, 0, NULL },
	[FIELD_DOM] = { "day-of-month", 1, 31, NULL, 0, NULL },
	[FIELD_MONTH] = { "month", 1, 12, month_names, MONTHS_PER_YEAR, "month" },
	[FIELD_DOW] = { "day-of-week", 0, 7, weekday_names, 7, "weekday" },
};

#define SUNDAY_TOO 7                /* day-of-week 7 is Sunday again */

static const struct {
	const char *name;
	const char *expansion;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* s[0..n) for an err message: printable ASCII, at most SHOWN_MAX bytes. */
static const char *shown(const char *s, size_t n, char out[SHOWN_MAX + sizeof("...")])
{
	size_t i = 0;

	for (; i < n && i < SHOWN_MAX; i++)
		out[i] = s[i] >= ' ' && s[i] <= '~' && s[i] != '"' && s[i] != '\\' ? s[i] : '?';
	out[i] = '\0';
	if (i < n)
		memcpy(out + i, "...", sizeof("..."));
	return out;
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static bool is_alpha(char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }

static char upper(char ch) { return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch; }

/* A number or a name at *p (before end) into *v, range-checked. */
static int parse_value(const char **p, const char *end, const struct field_spec *f, int *v,
    char *err)
{
	const char *s = *p;
	char buf[SHOWN_MAX + sizeof("...")];

	if (s < end && is_digit(*s)) {
		long n = 0;
		while (s < end && is_digit(*s)) {
			if (s - *p < NUMBER_DIGITS_MAX)
				n = n * 10 + (*s - '0');
			s++;
		}
		if (s - *p > NUMBER_DIGITS_MAX || n < f->min || n > f->max) {
			err_set(err, "%s field: %s is out of range %d-%d", f->label,
			    shown(*p, (size_t)(s - *p), buf), f->min, f->max);
			return -1;
		}
		*v = (int)n;
		*p = s;
		return 0;
	}
	while (s < end && is_alpha(*s))
		s++;
	if (s == *p) {
		err_set(err, "%s field: unexpected \"%s\"", f->label, shown(s, (size_t)(end - s), buf));
		return -1;
	}
	if (f->names == NULL) {
		err_set(err, "%s field: \"%s\" is not a number", f->label,
		    shown(*p, (size_t)(s - *p), buf));
		return -1;
	}
	for (int i = 0; i < f->name_count && s - *p == NAME_LEN; i++) {
		if (upper((*p)[0]) == f->names[i][0] && upper((*p)[1]) == f->names[i][1] &&
		    upper((*p)[2]) == f->names[i][2]) {
			*v = f->min + i;
			*p = s;
			return 0;
		}
	}
	err_set(err, "%s field: \"%s\" is not a %s name", f->label, shown(*p, (size_t)(s - *p), buf),
	    f->name_kind);
	return -1;
}

/* One list item, s[0..n): "*", "v", "a-b", each optionally "/step". */
static int parse_item(const char *s, size_t n, const struct field_spec *f, uint64_t *bits,
    char *err)
{
	const char *p = s, *end = s + n;
	char buf[SHOWN_MAX + sizeof("...")];
	int lo = f->min, hi = f->max, step = 1;
	bool ranged = false;

	if (n == 0) {
		err_set(err, "%s field: empty list item", f->label);
		return -1;
	}
	if (*p == '*') {
		p++;
		ranged = true;
	} else {
		if (parse_value(&p, end, f, &lo, err) < 0)
			return -1;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			if (parse_value(&p, end, f, &hi, err) < 0)
				return -1;
			if (hi < lo) {
				err_set(err, "%s field: range %s is reversed", f->label,
				    shown(s, (size_t)(p - s), buf));
				return -1;
			}
			ranged = true;
		}
	}
	if (p < end && *p == '/') {
		const char *digits = ++p;
		long v = 0;

		while (p < end && is_digit(*p)) {
			if (p - digits < NUMBER_DIGITS_MAX)
				v = v * 10 + (*p - '0');
			p++;
		}
		if (p == digits) {
			err_set(err, "%s field: missing step after \"/\" in \"%s\"", f->label,
			    shown(s, n, buf));
			return -1;
		}
		if (v == 0) {
			err_set(err, "%s field: step must be at least 1", f->label);
			return -1;
		}
		if (p - digits > NUMBER_DIGITS_MAX || v > f->max - f->min + 1) {
			err_set(err, "%s field: step %s is out of range 1-%d", f->label,
			    shown(digits, (size_t)(p - digits), buf), f->max - f->min + 1);
			return -1;
		}
		step = (int)v;
		if (!ranged)
			hi = f->max;        /* "a/s" is "a-max/s" */
	}
	if (p < end) {
		char whole[SHOWN_MAX + sizeof("...")];
		err_set(err, "%s field: unexpected \"%s\" in \"%s\"", f->label,
		    shown(p, (size_t)(end - p), buf), shown(s, n, whole));
		return -1;
	}
	for (int v = lo; v <= hi; v += step)
		*bits |= (uint64_t)1 << v;
	return 0;
}

/* A whole field, s[0..n): items separated by commas. */
static int parse_field(const char *s, size_t n, const struct field_spec *f, uint64_t *bits,
    char *err)
{
	const char *end = s + n;

	*bits = 0;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *item_end = comma ? comma : end;

		if (parse_item(s, (size_t)(item_end - s), f, bits, err) < 0)
			return -1;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

/* "@name" (already known to start with '@') with nothing after but blanks. */
static int parse_macro(const char *expr, struct cron *out, char *err)
{
	char buf[SHOWN_MAX + sizeof("...")], name[SHOWN_MAX + sizeof("...")];
	size_t n = 0, len;

	while (expr[n] != '\0' && !is_blank(expr[n]))
		n++;
	for (const char *rest = expr + n; *rest != '\0'; rest++)
		if (!is_blank(*rest)) {
			err_set(err, "unexpected \"%s\" after %s", shown(rest, strlen(rest), buf),
			    shown(expr, n, name));
			return -1;
		}
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		len = strlen(macros[i].name);
		if (len == n && strncasecmp(expr, macros[i].name, n) == 0)
			return cron_parse(macros[i].expansion, out, err);
	}
	if (n == strlen("@reboot") && strncasecmp(expr, "@reboot", n) == 0)
		err_set(err, "@reboot is not supported: schedules fire at times, not at start-up");
	else
		err_set(err, "unknown macro \"%s\"", shown(expr, n, buf));
	return -1;
}

int cron_parse(const char *expr, struct cron *out, char *err)
{
	const char *start[CRON_FIELDS_WITH_SECONDS];
	size_t len[CRON_FIELDS_WITH_SECONDS];
	uint64_t bits[CRON_FIELDS_WITH_SECONDS];
	int count = 0, first;

	if (expr == NULL)
		expr = "";
	while (is_blank(*expr))
		expr++;
	if (*expr == '@')
		return parse_macro(expr, out, err);
	for (const char *p = expr; *p != '\0';) {
		const char *s = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		if (count < CRON_FIELDS_WITH_SECONDS) {
			start[count] = s;
			len[count] = (size_t)(p - s);
		}
		count++;
		while (is_blank(*p))
			p++;
	}
	if (count != CRON_FIELDS && count != CRON_FIELDS_WITH_SECONDS) {
		err_set(err, "expected %d fields (%d with seconds first), got %d", CRON_FIELDS,
		    CRON_FIELDS_WITH_SECONDS, count);
		return -1;
	}
	/* Five fields: the seconds field is an implicit "0". Index everything
	 * by enum cron_field from here on. */
	first = count == CRON_FIELDS ? FIELD_MINUTE : FIELD_SECOND;
	if (first == FIELD_MINUTE) {
		memmove(start + 1, start, CRON_FIELDS * sizeof(start[0]));
		memmove(len + 1, len, CRON_FIELDS * sizeof(len[0]));
		start[FIELD_SECOND] = "0";
		len[FIELD_SECOND] = 1;
	}
	for (int i = FIELD_SECOND; i <= FIELD_DOW; i++)
		if (parse_field(start[i], len[i], &field_specs[i], &bits[i], err) < 0)
			return -1;
	if (bits[FIELD_DOW] & (uint64_t)1 << SUNDAY_TOO)
		bits[FIELD_DOW] = (bits[FIELD_DOW] & ~((uint64_t)1 << SUNDAY_TOO)) | 1;
	*out = (struct cron){
		.second = bits[FIELD_SECOND],
		.minute = bits[FIELD_MINUTE],
		.hour = (uint32_t)bits[FIELD_HOUR],
		.dom = (uint32_t)bits[FIELD_DOM],
		.month = (uint16_t)bits[FIELD_MONTH],
		.dow = (uint8_t)bits[FIELD_DOW],
		.dom_star = start[FIELD_DOM][0] == '*',
		.dow_star = start[FIELD_DOW][0] == '*',
		.hour_star = start[FIELD_HOUR][0] == '*',
	};
	return 0;
}
