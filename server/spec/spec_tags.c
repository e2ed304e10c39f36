/*
 * spec_tags.c — `tags` of a job or batch spec: an object of at most
 * SPEC_MAX_TAGS string values, keys of [A-Za-z0-9_.-] up to
 * SPEC_MAX_TAG_KEY bytes, values of printable UTF-8 (no control characters,
 * C0, DEL or C1) up to SPEC_MAX_TAG_VALUE bytes. A batch's tags apply to
 * each of its jobs; a job's own tags replace the batch's of the same key.
 * The result is kept as canonical JSON (job_spec.tags), which the store
 * both shows and indexes (job_tags).
 */
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define TAG_FIELD_LEN 80

int spec_tag_key_valid(const char *key)
{
	return spec_word_valid(key, SPEC_MAX_TAG_KEY, "_.-");
}

int spec_tag_value_valid(const char *value)
{
	size_t n = strlen(value);

	if (n > SPEC_MAX_TAG_VALUE || !spec_utf8_valid(value, n) || strstr(value, SPEC_NUL_MARK))
		return 0;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7F || (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return 0;
	return 1;
}

/* "tags.KEY" (cut), the field an error names. */
static void tag_field(char sub[TAG_FIELD_LEN], const char *key)
{
	snprintf(sub, TAG_FIELD_LEN, "tags.%.*s", SPEC_MAX_TAG_KEY, key);
}

int spec_tags_check(const cJSON *tags, const char *prefix, struct spec_error *e)
{
	char sub[TAG_FIELD_LEN];
	const char *dup;

	if (!cJSON_IsObject(tags))
		return spec_fail(e, prefix, "tags", "tags must be an object of strings");
	int n = cJSON_GetArraySize(tags);
	if (n > SPEC_MAX_TAGS)
		return spec_fail(e, prefix, "tags", "tags has %d tags; at most %d", n, SPEC_MAX_TAGS);
	for (const cJSON *it = tags->child; it != NULL; it = it->next) {
		tag_field(sub, it->string);
		if (!spec_tag_key_valid(it->string))
			return spec_fail(e, prefix, sub,
			    "tag key \"%.*s\": 1 to %d bytes of A-Z a-z 0-9 _ . -", SPEC_MAX_TAG_KEY,
			    it->string, SPEC_MAX_TAG_KEY);
		if (!cJSON_IsString(it))
			return spec_fail(e, prefix, sub, "tag \"%s\" must be a string", it->string);
		if (!spec_tag_value_valid(it->valuestring))
			return spec_fail(e, prefix, sub,
			    "tag \"%s\": at most %d bytes of printable UTF-8 (no control characters)",
			    it->string, SPEC_MAX_TAG_VALUE);
	}
	if (spec_find_duplicate_name(tags, &dup) < 0)
		return spec_fail(e, prefix, "tags", "out of memory");
	if (dup != NULL) {
		tag_field(sub, dup);
		return spec_fail(e, prefix, sub, "duplicate tag \"%s\"", dup);
	}
	return 0;
}

int spec_tags_get(const cJSON *obj, const cJSON *inherited, const char *prefix,
    struct job_spec *out, struct spec_error *e)
{
	const cJSON *own = spec_field(obj, "tags");
	cJSON *all;

	if (own != NULL && spec_tags_check(own, prefix, e) < 0)
		return -1;
	if ((own == NULL || own->child == NULL) && (inherited == NULL || inherited->child == NULL))
		return 0;
	if ((all = inherited ? cJSON_Duplicate(inherited, 1) : cJSON_CreateObject()) == NULL)
		return spec_fail(e, prefix, "tags", "out of memory");
	for (const cJSON *it = own ? own->child : NULL; it != NULL; it = it->next) {
		cJSON *v = cJSON_CreateString(it->valuestring);
		bool ok = v != NULL && (cJSON_GetObjectItemCaseSensitive(all, it->string)
					       ? cJSON_ReplaceItemInObjectCaseSensitive(all, it->string, v)
					       : cJSON_AddItemToObject(all, it->string, v));
		if (!ok) {
			cJSON_Delete(v);
			cJSON_Delete(all);
			return spec_fail(e, prefix, "tags", "out of memory");
		}
	}
	int n = cJSON_GetArraySize(all);
	if (n > SPEC_MAX_TAGS) {
		cJSON_Delete(all);
		return spec_fail(e, prefix, "tags",
		    "tags has %d tags with the batch's; at most %d", n, SPEC_MAX_TAGS);
	}
	out->tags = cJSON_PrintUnformatted(all);
	cJSON_Delete(all);
	return out->tags ? 0 : spec_fail(e, prefix, "tags", "out of memory");
}
