/*
 * dispatch_kick.c — the wake-up a timed hub sends the dispatcher's loop
 * (see dispatch_kick.h).
 */
#include "dispatch_kick.h"

#include <stddef.h>

void dispatch_kick_set(struct dispatch_kick *k, void (*fn)(void *arg), void *arg)
{
	k->fn = fn;
	k->arg = arg;
	k->told = 0;
}

bool dispatch_kick_served(const struct dispatch_kick *k) { return k->fn != NULL; }

void dispatch_kick_at(struct dispatch_kick *k, int64_t due)
{
	if (k->fn == NULL || (k->told != 0 && k->told <= due))
		return;
	k->told = due;
	k->fn(k->arg);
}

void dispatch_kick_now(struct dispatch_kick *k)
{
	if (k->fn != NULL)
		k->fn(k->arg);
}

int64_t dispatch_kick_due(struct dispatch_kick *k, int64_t due)
{
	k->told = due;
	return due;
}
