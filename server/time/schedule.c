/*
 * schedule.c — the rules of schedule.h.
 */
#include "schedule.h"

#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tz.h"
#include "common/clock.h"

void schedule_free(struct schedule *s)
{
	free(s->name);
	free(s->cron);
	free(s->timezone);
	free(s->job);
	free(s->last_error);
	memset(s, 0, sizeof(*s));
}

int schedule_next_run(const struct schedule *s, int64_t after_us, int64_t *next_us, char *err)
{
	struct cron c;
	int64_t next_s;

	if (cron_parse(s->cron, &c, err) < 0)
		return -1;
	struct tz *tz = tz_load(s->timezone, err);
	if (tz == NULL)
		return -1;
	/* Firings are whole seconds: "strictly after" the second after_us is in. */
	int rc = cron_next(&c, tz, tz_floor_div(after_us, 1000000), &next_s, err);
	tz_free(tz);
	if (rc < 0)
		return -1;
	*next_us = next_s * 1000000;
	return 0;
}

enum schedule_verdict schedule_decide(const struct schedule *s, bool missed, bool last_unfinished)
{
	if (missed && strcmp(s->catch_up, "once") != 0)
		return SCHEDULE_SKIP_MISSED;
	if (last_unfinished && strcmp(s->overlap, "allow") != 0)
		return SCHEDULE_SKIP_OVERLAP;
	return SCHEDULE_FIRE;
}
