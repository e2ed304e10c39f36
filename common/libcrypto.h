/*
 * libcrypto.h — OpenSSL's libcrypto, loaded on first use (libcrypto.c), as
 * libcurl.h loads libcurl: the webhook sender signs each body with
 * HMAC-SHA256 (X-Jobd-Signature). OpenSSL is the well-kept standard for
 * that — no hand-rolled SHA-256 in jobd — and libcurl maps it anyway when
 * the sender starts, so loading it here costs a server that never sends a
 * webhook nothing (the idle-RSS goal). A call before libcrypto_load()
 * succeeded is a bug (a NULL pointer).
 *
 * How to call another libcrypto function: add it to LIBCRYPTO_FUNCS and to
 * the redirects below, nowhere else.
 */
#ifndef JOBD_LIBCRYPTO_H
#define JOBD_LIBCRYPTO_H

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/err.h"

#define LIBCRYPTO_SONAME "libcrypto.so.3"

#define LIBCRYPTO_FUNCS(X) X(HMAC) X(EVP_sha256)

struct libcrypto_funcs {
#define LIBCRYPTO_MEMBER(name) __typeof__(&name) name;
	LIBCRYPTO_FUNCS(LIBCRYPTO_MEMBER)
#undef LIBCRYPTO_MEMBER
};
extern struct libcrypto_funcs libcrypto;

/* Loads libcrypto once for the whole process (thread-safe); 0, or -1 with
 * err naming the library and the reason. */
int libcrypto_load(char *err);

#ifndef LIBCRYPTO_NO_REDIRECT
#define HMAC libcrypto.HMAC
#define EVP_sha256 libcrypto.EVP_sha256
#endif

#endif
