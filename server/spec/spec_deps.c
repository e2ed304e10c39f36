/*
 * spec_deps.c — the dependency fields of a job spec (see spec.h): `after`,
 * ids of existing jobs, and inside a batch `after_index`, indices of other
 * specs of the same batch. Checks shape, ranges, duplicates and (for a
 * batch) cycles; whether the ids exist is the dispatcher's business, in its
 * transaction, since only it sees the store as it commits.
 */
#include "spec.h"
#include "common/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* An array of 1..SPEC_MAX_AFTER distinct integers from min to max, into
 * *out (malloc'd, NULL when the field is absent or null). */
static int get_ids(const cJSON *obj, const char *name, double min, double max, int64_t **out,
    int *n, const char *prefix, struct spec_error *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	int count, i = 0;

	*out = NULL;
	*n = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return spec_fail(e, prefix, name, "%s must be an array", name);
	count = cJSON_GetArraySize(v);
	if (count > SPEC_MAX_AFTER)
		return spec_fail(e, prefix, name, "%s must hold at most %d entries", name, SPEC_MAX_AFTER);
	if (count == 0)
		return 0;
	if ((*out = malloc((size_t)count * sizeof(**out))) == NULL)
		return spec_fail(e, prefix, name, "out of memory");
	for (const cJSON *it = v->child; it != NULL; it = it->next, i++) {
		double x = it->valuedouble;
		if (!cJSON_IsNumber(it) || x != floor(x) || x < min || x > max) {
			free(*out);
			*out = NULL;
			return spec_fail(e, prefix, name, "%s[%d] must be an integer from %.0f to %.0f", name,
			    i, min, max);
		}
		(*out)[i] = (int64_t)x;
		for (int k = 0; k < i; k++) {
			if ((*out)[k] == (*out)[i]) {
				free(*out);
				*out = NULL;
				return spec_fail(e, prefix, name, "%s[%d] repeats %.0f", name, i, x);
			}
		}
	}
	*n = count;
	return 0;
}

/* 2^53: the largest id a JSON number carries exactly. */
#define SPEC_MAX_JOB_ID 9007199254740992.0

int spec_deps_get(const cJSON *obj, const char *prefix, bool in_batch, struct job_spec *out,
    struct spec_error *e)
{
	int64_t *idx = NULL;
	int n = 0;

	if (get_ids(obj, "after", 1, SPEC_MAX_JOB_ID, &out->after, &out->n_after, prefix, e) < 0)
		return -1;
	const cJSON *ai = cJSON_GetObjectItemCaseSensitive(obj, "after_index");
	if (ai != NULL && !cJSON_IsNull(ai) && !in_batch)
		return spec_fail(e, prefix, "after_index",
		    "after_index names specs of the same batch; use it in POST /v1/batches");
	if (get_ids(obj, "after_index", 0, SPEC_MAX_BATCH - 1, &idx, &n, prefix, e) < 0)
		return -1;
	if (n > 0 && (out->after_index = malloc((size_t)n * sizeof(int))) == NULL) {
		free(idx);
		return spec_fail(e, prefix, "after_index", "out of memory");
	}
	for (int i = 0; i < n; i++)
		out->after_index[i] = (int)idx[i];
	out->n_after_index = n;
	free(idx);
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail_index(struct spec_error *e, size_t i, const char *fmt, ...)
{
	va_list ap;

	e->invalid_json = 0;
	snprintf(e->field, sizeof(e->field), "jobs[%zu].after_index", i);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->message[utf8_cut(e->message, sizeof(e->message) - 1)] = '\0';
	return -1;
}

/* Iterative DFS (a batch may chain 10,000 specs: no recursion that deep).
 * color: 0 unseen, 1 on the current path, 2 done. A back edge closes a
 * cycle through the spec being explored, which is the one named. */
int spec_deps_check_batch(const struct job_spec *specs, size_t n, struct spec_error *e)
{
	unsigned char *color = NULL;
	size_t *stack = NULL, *edge = NULL;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < specs[i].n_after_index; k++) {
			size_t j = (size_t)specs[i].after_index[k];
			if (j >= n)
				return fail_index(e, i, "after_index: no spec %zu in a batch of %zu", j, n);
			if (j == i)
				return fail_index(e, i, "after_index: spec %zu cannot wait for itself", j);
		}
	}
	color = calloc(n, 1);
	stack = malloc(n * sizeof(*stack));
	edge = malloc(n * sizeof(*edge));
	if (color == NULL || stack == NULL || edge == NULL) {
		spec_fail(e, "", "jobs", "out of memory checking dependencies");
		goto out;
	}
	for (size_t root = 0; root < n; root++) {
		size_t top = 0;
		if (color[root] != 0)
			continue;
		stack[top] = root;
		edge[top++] = 0;
		color[root] = 1;
		while (top > 0) {
			size_t v = stack[top - 1];
			if (edge[top - 1] == (size_t)specs[v].n_after_index) {
				color[v] = 2;
				top--;
				continue;
			}
			size_t w = (size_t)specs[v].after_index[edge[top - 1]++];
			if (color[w] == 1) {
				fail_index(e, v, "after_index: spec %zu and spec %zu wait for each other "
						 "(a cycle)", v, w);
				goto out;
			}
			if (color[w] == 0) {
				color[w] = 1;
				stack[top] = w;
				edge[top++] = 0;
			}
		}
	}
	ret = 0;
out:
	free(color);
	free(stack);
	free(edge);
	return ret;
}
