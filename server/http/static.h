/*
 * static.h — serves the dashboard's files from web/ and nothing else:
 * canonical paths only (realpath must stay inside the web root, symlinks
 * included), no dot-segments or hidden files, regular files only, MIME type
 * by extension. Needs no token: the files hold no data.
 */
#ifndef JOBD_STATIC_H
#define JOBD_STATIC_H

struct http_resp;

void static_serve(const char *web_dir, const char *url, struct http_resp *r);

#endif
