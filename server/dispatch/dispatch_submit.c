/*
 * dispatch_submit.c — how commands reach the dispatcher and their answers
 * get back (see dispatch.h): a queue under d->mu that HTTP threads append
 * to, waking the loop through its eventfd; a caller either blocks on the
 * command's condition variable (dispatch_submit, or enqueue then wait) or
 * is called back after the turn's COMMIT (dispatch_submit_async, the
 * event-loop front). At shutdown what still waits is refused.
 */
#include <pthread.h>

#include "dispatch.h"
#include "dispatch_internal.h"

/* Queues c for the next turn; false (CMD_UNAVAILABLE, done) once closed. */
static bool enqueue(struct dispatch *d, struct cmd *c)
{
	c->done = false;
	c->retried = false;
	c->next = NULL;
	c->err[0] = '\0';
	pthread_mutex_lock(&d->mu);
	if (d->closed) {
		c->status = CMD_UNAVAILABLE;
		c->done = true;
		pthread_mutex_unlock(&d->mu);
		return false;
	}
	if (d->cmd_tail)
		d->cmd_tail->next = c;
	else
		d->cmd_head = c;
	d->cmd_tail = c;
	pthread_mutex_unlock(&d->mu);
	dispatch_wake(d);
	return true;
}

void dispatch_enqueue(struct dispatch *d, struct cmd *c)
{
	c->done_fn = NULL;
	pthread_cond_init(&c->done_cv, NULL);
	enqueue(d, c);
}

void dispatch_wait(struct dispatch *d, struct cmd *c)
{
	pthread_mutex_lock(&d->mu);
	while (!c->done)
		pthread_cond_wait(&c->done_cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	pthread_cond_destroy(&c->done_cv);
}

void dispatch_submit(struct dispatch *d, struct cmd *c)
{
	dispatch_enqueue(d, c);
	dispatch_wait(d, c);
}

void dispatch_submit_async(struct dispatch *d, struct cmd *c, void (*done_fn)(void *arg),
    void *arg)
{
	c->done_fn = done_fn;
	c->done_arg = arg;
	if (!enqueue(d, c))
		done_fn(arg);
}

void dispatch_cmd_done(struct cmd *c, struct cmd **notify)
{
	c->done = true;
	if (c->done_fn == NULL) {
		pthread_cond_signal(&c->done_cv); /* c may be gone once mu is released */
		return;
	}
	c->next = *notify;
	*notify = c;
}

void dispatch_cmds_notify(struct cmd *notify)
{
	for (struct cmd *c = notify, *next; c != NULL; c = next) {
		next = c->next; /* c is the submitter's again once called back */
		c->done_fn(c->done_arg);
	}
}

void dispatch_close_commands(struct dispatch *d)
{
	struct cmd *notify = NULL;

	pthread_mutex_lock(&d->mu);
	d->closed = true;
	for (struct cmd *c = d->cmd_head, *next; c != NULL; c = next) {
		next = c->next;
		c->status = CMD_UNAVAILABLE;
		dispatch_cmd_done(c, &notify);
	}
	d->cmd_head = d->cmd_tail = NULL;
	pthread_mutex_unlock(&d->mu);
	dispatch_cmds_notify(notify);
}
