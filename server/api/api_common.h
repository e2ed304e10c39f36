/*
 * api_common.h — what the /v1 handlers share: parsing a JSON body into a
 * cJSON tree with the right error, the Idempotency-Key header, borrowing a
 * reader connection, and turning a dispatcher answer into a status code.
 */
#ifndef JOBD_API_COMMON_H
#define JOBD_API_COMMON_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "dispatch/dispatch.h"
#include "http/http.h"
#include "spec/spec.h"

#define API_MAX_IDEM_KEY 255
/* Page sizes of the lists (GET /v1/jobs, GET /v1/batches), as API.md gives them. */
#define API_LIST_DEFAULT_LIMIT 50
#define API_LIST_MAX_LIMIT 500

struct spec_limits api_limits(const struct http_req *req);
/* NULL with the 400 already set in r. */
cJSON *api_body_json(const struct http_req *req, struct http_resp *r);
void api_spec_error(struct http_resp *r, const struct spec_error *e);
/* 0 with *key (NULL if absent), or -1 with a 400 in r. */
int api_idem_key(const struct http_req *req, struct http_resp *r, const char **key);
/* The request's state for a command (http_cmd_state), with a 500 in r
 * when there is no memory. States begin with their struct cmd: free_fn
 * NULL frees the job a command returns, else free_fn must (api_cmd_free). */
void *api_cmd_state(struct http_req *req, struct http_resp *r, size_t size,
    void (*free_fn)(void *state));
void api_cmd_free(void *state);
/* Hands a command that needs nothing but itself to the dispatcher
 * (http_cmd_submit); on the handler's second call http_cmd_result is it. */
void api_cmd_submit(struct http_req *req, struct http_resp *r, const struct cmd *c);
/* Sets r for every status but CMD_OK/CMD_EXISTING; returns 1 if it did. */
int api_cmd_failed(const struct cmd *c, struct http_resp *r);
struct store *api_reader(const struct http_req *req, struct http_resp *r);
void api_reader_done(const struct http_req *req, struct store *st);
/* Job {id} of the path into *job: 1, or 0 with 404/500 set in r. */
int api_load_job(const struct http_req *req, struct http_resp *r, struct job *job);
/* A decimal integer from min to max, the whole of v: 0 with *out, else -1. */
int api_parse_int(const char *v, int64_t min, int64_t max, int64_t *out);
/* "failed,timed_out" → bit mask (1 << state); -1 if a name is unknown or none given. */
int api_parse_states(const char *v, unsigned *mask);

#endif
