/*
 * utf8.h — UTF-8 at the edges where jobd cuts or emits user text.
 * Commands, names, env keys and error messages are bytes a user sent; jobd
 * cuts them to fit fixed buffers and prints them as JSON and log lines.
 * These functions make sure a cut never splits a character and that what
 * goes out as JSON is valid UTF-8 whatever was stored. No I/O, no state.
 */
#ifndef JOBD_UTF8_H
#define JOBD_UTF8_H

#include <stddef.h>

/* The well-formed character at s[0..n) (n >= 1): its length, 1 to 4; or,
 * when s does not start with one, minus the number of bytes that make up
 * the ill-formed start (the "maximal subpart" of Unicode §3.9, at least 1),
 * which a reader replaces with one U+FFFD. */
int utf8_char_len(const char *s, size_t n);

/* The length of the longest prefix of s, at most max bytes and stopping at
 * its NUL, that does not end inside a character: for "%.*s" instead of
 * "%.Ns", and for a buffer snprintf may have cut (buf[utf8_cut(buf,
 * cap - 1)] = '\0'). Bytes that are invalid anyway are left to the reader. */
size_t utf8_cut(const char *s, size_t max);

/* s (malloc'd, NUL-terminated) if it is valid UTF-8; else s is freed and a
 * new malloc'd copy is returned with each ill-formed sequence replaced by
 * U+FFFD. NULL when out of memory (s freed) or when s is NULL. ASCII is
 * checked eight bytes at a time, so valid text costs one fast pass. */
char *utf8_sanitize(char *s);

#endif
