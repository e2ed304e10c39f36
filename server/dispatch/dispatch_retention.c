/*
 * dispatch_retention.c — retention of finished jobs and the bound on output
 * disk, run by the dispatcher between its turns (see dispatch_retention.h).
 *
 * --retain-finished: a purge pass deletes final jobs that finished longer
 * ago than the setting, RETENTION_BATCH per transaction, oldest first. A
 * full batch means more may wait: the next one is due at once, but only
 * after the loop has gone round (commands answered, workers fed). A pass
 * that leaves nothing sleeps until the oldest job left comes due, at least
 * a tenth of the retention (RETENTION_MIN_GAP_US..RETENTION_MAX_GAP_US) so
 * that purges come in batches, and at most RETENTION_MAX_GAP_US so that a
 * wall-clock step cannot put retention to sleep for long.
 *
 * --max-output-disk: the output of final jobs is counted as they finish
 * (their byte counts, at most --output-limit per stream: what the worker
 * kept), from a sum over the jobs_output index at start-up. Over the bound,
 * trim batches mark the oldest outputs purged and delete their files until
 * the count is under OUTPUT_LOW_WATER percent of the bound, so trimming
 * runs now and then rather than after every job. Running jobs have no
 * count yet and are never chosen.
 *
 * Files go only after the commit that let them go: a crash in between
 * leaves files nothing points at (harmless), never a row whose output is
 * gone unannounced.
 */
#include "dispatch_retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dispatch_internal.h"
#include "metrics.h"
#include "common/capture.h"
#include "common/clock.h"
#include "store/store_nodes.h"
#include "store/store_retention.h"

#define RETENTION_BATCH 256           /* rows per transaction: ~10 ms with their files */
#define RETENTION_MIN_GAP_US 1000000  /* between passes that left nothing */
#define RETENTION_MAX_GAP_US 60000000
#define RETENTION_RETRY_US 5000000    /* after a failed transaction */
#define OUTPUT_LOW_WATER 95           /* percent of --max-output-disk a trim aims under */

/* One pass: consecutive batches until no more work, logged at its end. */
struct pass {
	int64_t jobs, batches, transactions, bytes, unlink_failed;
};

struct retention {
	struct store_retention *sr;
	int64_t retain_us;      /* 0: keep forever */
	int64_t gap_us;
	int64_t due_mono;       /* next purge batch; 0: never */
	int64_t max_disk;       /* 0: no bound */
	int64_t low_water;
	int64_t stream_cap;
	int64_t disk_bytes;     /* output of final jobs on disk, by the count */
	bool trimming;          /* over the bound: trim batches until under low_water */
	bool disk_stuck;        /* over, and nothing left to trim until more output comes */
	int64_t trim_retry_mono;
	struct pass purge, trim;
};

static void human(char *buf, size_t len, int64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%lld bytes", (long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

int dispatch_retention_open(struct dispatch *d, char *err)
{
	const struct config *cfg = d->cfg;
	struct retention *r = calloc(1, sizeof(*r));
	char now[32], max[32];

	if (r == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	r->retain_us = (int64_t)(cfg->retain_finished_s * 1e6);
	if (cfg->retain_finished_s > 0 && r->retain_us < 1)
		r->retain_us = 1;
	r->gap_us = r->retain_us / 10;
	if (r->gap_us < RETENTION_MIN_GAP_US)
		r->gap_us = RETENTION_MIN_GAP_US;
	if (r->gap_us > RETENTION_MAX_GAP_US)
		r->gap_us = RETENTION_MAX_GAP_US;
	r->max_disk = cfg->max_output_disk;
	/* In two parts, so that a bound near INT64_MAX cannot overflow. */
	r->low_water = r->max_disk / 100 * OUTPUT_LOW_WATER +
		       r->max_disk % 100 * OUTPUT_LOW_WATER / 100;
	r->stream_cap = cfg->output_limit;
	if (store_retention_open(d->store, &r->sr, err) < 0 ||
	    store_retention_output_total(r->sr, r->stream_cap, &r->disk_bytes, err) < 0) {
		store_retention_close(r->sr);
		free(r);
		return -1;
	}
	/* A first pass at once: what came due while jobd was down. */
	r->due_mono = r->retain_us > 0 ? clock_mono_us() : 0;
	r->trimming = r->max_disk > 0 && r->disk_bytes > r->max_disk;
	metrics_set_output_disk(r->disk_bytes);
	d->retention = r;
	if (r->retain_us > 0)
		log_info("retention: finished jobs are deleted %.0f s (%g days) after they finish",
		    cfg->retain_finished_s, cfg->retain_finished_s / 86400);
	human(now, sizeof(now), r->disk_bytes);
	human(max, sizeof(max), r->max_disk);
	if (r->max_disk > 0)
		log_info("retention: output of finished jobs kept under %s (%lld bytes), oldest"
			 " deleted first; %s now", max, (long long)r->max_disk, now);
	return 0;
}

void dispatch_retention_close(struct dispatch *d)
{
	if (d->retention == NULL)
		return;
	store_retention_close(d->retention->sr);
	free(d->retention);
	d->retention = NULL;
}

int64_t dispatch_retention_due(const struct dispatch *d)
{
	const struct retention *r = d->retention;

	if (r == NULL || d->stopping || d->retry_at)
		return 0; /* retry_at wakes the loop itself */
	int64_t due = r->due_mono;
	if (r->trimming && !r->disk_stuck) {
		int64_t t = r->trim_retry_mono ? r->trim_retry_mono : 1;
		if (due == 0 || t < due)
			due = t;
	}
	return due;
}

void dispatch_retention_note_end(struct dispatch *d, struct turn *t, enum job_state next,
    const struct run_result *r)
{
	if (job_state_is_final(next))
		t->output_bytes += store_retention_job_bytes(r->stdout_bytes, r->stderr_bytes,
		    d->cfg->output_limit);
}

void dispatch_retention_committed(struct dispatch *d, const struct turn *t)
{
	struct retention *r = d->retention;

	if (r == NULL || t->output_bytes == 0)
		return;
	r->disk_bytes += t->output_bytes;
	r->disk_stuck = false;
	if (r->max_disk > 0 && r->disk_bytes > r->max_disk)
		r->trimming = true;
	metrics_set_output_disk(r->disk_bytes);
}

/* Both streams of each job that may have files. Failures are counted, the
 * first one logged: the rows are gone or marked either way. */
static void delete_files(struct dispatch *d, const struct purge_result *res, struct pass *p)
{
	static const enum capture_stream streams[] = { CAPTURE_STDOUT, CAPTURE_STDERR };
	char path[CAPTURE_PATH_MAX];

	for (int i = 0; i < res->n_jobs; i++) {
		if (!res->jobs[i].files)
			continue;
		for (int s = 0; s < 2; s++) {
			capture_path(path, sizeof(path), d->cfg->output_dir, res->jobs[i].id, streams[s]);
			if (unlink(path) == 0 || errno == ENOENT)
				continue;
			if (p->unlink_failed++ == 0)
				log_warn("retention: unlink %s", path);
		}
	}
}

static void note_disk(struct retention *r, int64_t freed)
{
	r->disk_bytes -= freed;
	if (r->disk_bytes < 0)
		r->disk_bytes = 0;
	metrics_set_output_disk(r->disk_bytes);
}

/* The log line of a pass that did something; what says how jobs went. */
static void end_pass(struct pass *p, bool trim)
{
	char freed[32];

	if (p->jobs > 0) {
		human(freed, sizeof(freed), p->bytes);
		if (trim)
			log_info("retention: output over --max-output-disk: deleted the output of the"
				 " %lld oldest finished jobs (%lld transaction%s), freed %s",
			    (long long)p->jobs, (long long)p->transactions,
			    p->transactions == 1 ? "" : "s", freed);
		else
			log_info("retention: purged %lld finished jobs (%lld transaction%s, %lld emptied"
				 " batches deleted), freed %s of output", (long long)p->jobs,
			    (long long)p->transactions, p->transactions == 1 ? "" : "s",
			    (long long)p->batches, freed);
	}
	if (p->unlink_failed > 0)
		log_warnx("retention: %lld output files could not be deleted (the first is logged above)",
		    (long long)p->unlink_failed);
	*p = (struct pass){ 0 };
}

/* Sleep until the oldest job left comes due, within the gaps. */
static void schedule_purge(struct retention *r, int64_t now_mono)
{
	char err[ERR_LEN];
	int64_t oldest, wait = r->retain_us;

	if (store_retention_oldest_finished(r->sr, &oldest, err) < 0)
		log_warnx("retention: %s", err);
	else if (oldest > 0)
		wait = oldest + r->retain_us - clock_wall_us();
	if (wait < r->gap_us)
		wait = r->gap_us;
	if (wait > RETENTION_MAX_GAP_US)
		wait = RETENTION_MAX_GAP_US;
	r->due_mono = now_mono + wait;
}

static void account_purge(struct dispatch *d, const struct purge_result *res)
{
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < res->n_jobs; i++)
		if ((unsigned)res->jobs[i].state < JOB_STATE_COUNT && d->counts[res->jobs[i].state] > 0)
			d->counts[res->jobs[i].state]--;
	pthread_mutex_unlock(&d->mu);
}

static void purge_batch(struct dispatch *d, struct retention *r, int64_t now_mono)
{
	char err[ERR_LEN];
	struct purge_result res;
	int64_t cutoff = clock_wall_us() - r->retain_us;

	if (store_begin(d->store, err) < 0)
		goto fail;
	int mine = store_retention_try_lock(d->store, err);
	if (mine < 0)
		goto fail;
	if (mine == 0) { /* another node of the cluster is purging: later */
		store_rollback(d->store);
		r->due_mono = now_mono + r->gap_us;
		return;
	}
	if (store_retention_purge_jobs(r->sr, cutoff, RETENTION_BATCH, r->stream_cap, &res, err) < 0)
		goto fail;
	if (store_commit(d->store, err) < 0) {
		store_retention_result_free(&res);
		goto fail;
	}
	delete_files(d, &res, &r->purge);
	log_debug("retention: purged %d jobs and %d emptied batches in %.1f ms", res.n_jobs,
	    res.n_batches, (double)(clock_mono_us() - now_mono) / 1000);
	account_purge(d, &res);
	note_disk(r, res.output_bytes);
	metrics_count_retention(res.n_jobs, res.n_batches, res.output_bytes);
	r->purge.jobs += res.n_jobs;
	r->purge.batches += res.n_batches;
	r->purge.bytes += res.output_bytes;
	r->purge.transactions++;
	if (res.n_jobs == RETENTION_BATCH) {
		r->due_mono = now_mono; /* more wait: again after one turn of the loop */
	} else {
		end_pass(&r->purge, false);
		schedule_purge(r, now_mono);
	}
	store_retention_result_free(&res);
	return;
fail:
	store_rollback(d->store);
	log_warnx("retention: purging finished jobs: %s; trying again in %d s", err,
	    RETENTION_RETRY_US / 1000000);
	end_pass(&r->purge, false);
	r->due_mono = now_mono + RETENTION_RETRY_US;
}

/* Over the bound with nothing to trim: the count drifted (files of jobs
 * whose output was counted differently). Count again from the rows. */
static void recount(struct retention *r)
{
	char err[ERR_LEN], now[32], max[32];
	int64_t total;

	r->disk_stuck = true;
	if (store_retention_output_total(r->sr, r->stream_cap, &total, err) < 0) {
		log_warnx("retention: %s", err);
		return;
	}
	r->disk_bytes = total;
	metrics_set_output_disk(total);
	human(now, sizeof(now), total);
	human(max, sizeof(max), r->max_disk);
	if (total > r->max_disk)
		log_warnx("retention: output on disk (%s) is over --max-output-disk (%s), and no"
			  " finished job's output is left to delete", now, max);
}

static void trim_batch(struct dispatch *d, struct retention *r, int64_t now_mono)
{
	char err[ERR_LEN];
	struct purge_result res;

	r->trim_retry_mono = 0;
	if (r->disk_bytes <= r->low_water) { /* a purge pass got there first */
		r->trimming = false;
		return;
	}
	if (store_begin(d->store, err) < 0)
		goto fail;
	if (store_retention_purge_output(r->sr, r->disk_bytes - r->low_water, RETENTION_BATCH,
		r->stream_cap, &res, err) < 0)
		goto fail;
	if (store_commit(d->store, err) < 0) {
		store_retention_result_free(&res);
		goto fail;
	}
	delete_files(d, &res, &r->trim);
	log_debug("retention: deleted the output of %d jobs in %.1f ms", res.n_jobs,
	    (double)(clock_mono_us() - now_mono) / 1000);
	note_disk(r, res.output_bytes);
	metrics_count_output_purged(res.n_jobs, res.output_bytes);
	r->trim.jobs += res.n_jobs;
	r->trim.bytes += res.output_bytes;
	r->trim.transactions++;
	if (res.n_jobs == 0)
		recount(r);
	if (r->disk_bytes <= r->low_water || r->disk_stuck) {
		r->trimming = r->disk_bytes > r->max_disk;
		end_pass(&r->trim, true);
	}
	store_retention_result_free(&res);
	return;
fail:
	store_rollback(d->store);
	log_warnx("retention: deleting the oldest output: %s; trying again in %d s", err,
	    RETENTION_RETRY_US / 1000000);
	end_pass(&r->trim, true);
	r->trim_retry_mono = now_mono + RETENTION_RETRY_US;
}

void dispatch_retention_run(struct dispatch *d)
{
	struct retention *r = d->retention;

	if (r == NULL || d->stopping || d->retry_at)
		return;
	int64_t now = clock_mono_us();
	/* Purging first: deleted jobs free their output too. */
	if (r->due_mono && now >= r->due_mono)
		purge_batch(d, r, now);
	else if (r->trimming && !r->disk_stuck && now >= r->trim_retry_mono)
		trim_batch(d, r, now);
}
