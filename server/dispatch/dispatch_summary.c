/*
 * dispatch_summary.c — the `stats` event of /v1/events?stats=true (see
 * events.h): the dispatcher publishes the figures of GET /v1/stats while a
 * stream asked for them, when they changed, at most every EVENTS_STATS_MS,
 * so a watcher (the dashboard) has its counts and busy workers from the
 * stream instead of polling /v1/stats while a burst runs. A stream that
 * just opened is owed them at once. The loop's timer (dispatch_summary_due)
 * sends what changed within the interval at its end: the last change of a
 * burst is never held back longer.
 */
#include "dispatch_internal.h"

#include <string.h>

#include "events.h"
#include "common/clock.h"
#include "common/log.h"
#include "render/render.h"

/* The figures a watcher follows did not move: all of /v1/stats's but the
 * uptime, which moves all the time (a client adds the time since). */
static bool same_figures(const struct stats_info *a, const struct stats_info *b)
{
	return a->workers == b->workers && a->busy == b->busy &&
	       memcmp(a->counts, b->counts, sizeof(a->counts)) == 0 &&
	       a->submitted_total == b->submitted_total &&
	       a->finished_total == b->finished_total && a->draining == b->draining;
}

void dispatch_summary(struct dispatch *d)
{
	if (!events_want_stats()) {
		d->summary_due = 0;
		return;
	}
	bool asked = events_stats_asked();
	int64_t at = clock_mono_us();
	if (!asked && d->summary_due != 0 && at < d->summary_due)
		return; /* a change waits for its turn already */
	struct stats_info now;
	dispatch_stats(d, &now);
	if (!asked && same_figures(&now, &d->summary_sent)) {
		d->summary_due = 0;
		return;
	}
	if (!asked && at < d->summary_next) {
		d->summary_due = d->summary_next;
		return;
	}
	char *json = render_stats(&now);
	if (json == NULL) {
		log_warnx("dispatch: rendering the stats event: out of memory");
		return;
	}
	events_publish_stats(json);
	d->summary_sent = now;
	d->summary_next = at + EVENTS_STATS_MS * 1000LL;
	d->summary_due = 0;
}
