/*
 * vec.c — vec_reserve (see vec.h).
 */
#include "vec.h"

#include <stdint.h>
#include <stdlib.h>

#include "err.h"

int vec_reserve(void **items, size_t *cap, size_t need, size_t elem, char *err)
{
	if (need <= *cap)
		return 0;
	/* *cap < need here, so an array that has room doubles at least once. */
	size_t ncap = *cap ? *cap : (VEC_FIRST_BYTES + elem - 1) / elem;
	while (ncap < need && ncap <= SIZE_MAX / 2)
		ncap *= 2;
	if (ncap < need || ncap > SIZE_MAX / elem) {
		err_set(err, "realloc %zu x %zu bytes: too many", need, elem);
		return -1;
	}
	void *grown = realloc(*items, ncap * elem);
	if (grown == NULL) {
		err_set(err, "realloc %zu x %zu bytes: out of memory", ncap, elem);
		return -1;
	}
	*items = grown;
	*cap = ncap;
	return 0;
}
