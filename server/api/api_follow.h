/*
 * api_follow.h — GET /v1/jobs/{id}/stdout?follow=true (and stderr): the
 * output as a chunked stream that grows as the job writes, parked between
 * writes (dispatch/follow.h), ended once the job is final and every byte up
 * to --output-limit was sent. api_output.c hands a request over after its
 * checks (offset, job found, output not purged).
 */
#ifndef JOBD_API_FOLLOW_H
#define JOBD_API_FOLLOW_H

#include <stdint.h>

#include "common/capture.h"
#include "http/http.h"

/* node: the job's node when loaded (0 or this node's id: the local file). */
void api_follow(struct http_req *req, struct http_resp *r, enum capture_stream which,
    int64_t node, int64_t off);

#endif
