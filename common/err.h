/*
 * err.h — the caller-supplied error buffer every module fills instead of
 * printing (Redis style): functions return -1 and say what failed and why
 * in char err[ERR_LEN]; only the top of a request or event loop logs it.
 */
#ifndef JOBD_ERR_H
#define JOBD_ERR_H

#include <stdarg.h>
#include <stdio.h>

#include "utf8.h"

#define ERR_LEN 256

__attribute__((format(printf, 2, 3)))
static inline void err_set(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	err[utf8_cut(err, ERR_LEN - 1)] = '\0'; /* a cut never splits a character */
}

#endif
