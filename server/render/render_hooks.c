/*
 * render_hooks.c — GET /v1/jobs/{id}/deliveries and /v1/batches/{id}/
 * deliveries: each webhook delivery with its attempts, as API.md shows.
 */
#include "render.h"

#include <string.h>

#include "store/store_hooks.h"

static cJSON *attempt_object(const struct hook_attempt *a)
{
	cJSON *o = cJSON_CreateObject();

	render_add_time(o, "at", a->at_us);
	render_add_int(o, "status", a->status, 0);
	render_add_str(o, "error", a->error);
	render_add_ms(o, "duration_ms", a->duration_us);
	return o;
}

static cJSON *delivery_object(const struct delivery *d)
{
	cJSON *o = cJSON_CreateObject(), *tries;

	render_add_int(o, "id", d->id, 0);
	cJSON_AddStringToObject(o, "event", d->event);
	render_add_str(o, "url", d->url);
	cJSON_AddStringToObject(o, "delivery", d->uuid);
	cJSON_AddStringToObject(o, "state", d->state);
	render_add_time(o, "created_at", d->created_us);
	/* A pending delivery's next_at while a sender holds it is its lease's
	 * end, which is also when it is tried again if that sender died. */
	render_add_time(o, "next_attempt_at", strcmp(d->state, "pending") == 0 ? d->next_us : 0);
	render_add_time(o, "finished_at", d->finished_us);
	tries = cJSON_AddArrayToObject(o, "attempts");
	for (int i = 0; tries != NULL && i < d->n_tries; i++)
		cJSON_AddItemToArray(tries, attempt_object(&d->tries[i]));
	return o;
}

char *render_deliveries(const struct delivery *ds, int n)
{
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "deliveries");

	for (int i = 0; list != NULL && i < n; i++)
		cJSON_AddItemToArray(list, delivery_object(&ds[i]));
	return render_print_and_free(o);
}
