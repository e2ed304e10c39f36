/*
 * cgroup_fs.h — internal to the cgroup code (cgroup.c, cgroup_job.c): the
 * file and directory operations of cgroup_fs.c on the groups laid out in
 * cgroup.h. Not for the rest of the worker, which uses cgroup.h alone.
 *
 * Those that fail return -1 (or NULL) and fill err, which may be NULL to
 * drop the text (a second failure after a first was kept). What the
 * cgroup_fs_read* functions return is malloc'd and the caller frees it.
 */
#ifndef JOBD_CGROUP_FS_H
#define JOBD_CGROUP_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"

#define CGROUP_FILE_PATH_MAX (CGROUP_PATH_MAX + 64)

/* dir/name into buf; false when it does not fit. */
bool cgroup_fs_join(char *buf, size_t len, const char *dir, const char *name);
bool cgroup_fs_exists(const char *dir, const char *name);
/* The whole of a small file (path, or dir/name), NUL-terminated, or NULL. */
char *cgroup_fs_read_file(const char *path, char *err);
char *cgroup_fs_read(const char *dir, const char *name, char *err);
/* text into dir/name in one write(2): cgroup files take a value whole. */
int cgroup_fs_write(const char *dir, const char *name, const char *text, char *err);

/* SIGKILLs each pid in a job group's cgroup.procs (only a job-<id> group
 * under a jobd-w<pid>; any other path is refused). */
void cgroup_fs_kill_members(const char *dir);
/* rmdir a job group, SIGKILLing its members while the kernel says busy;
 * 0 when it is gone (or never was). */
int cgroup_fs_remove_group(const char *dir, char *err);
/* A jobd-w<pid> directory and every job group still in it. */
int cgroup_fs_remove_worker_dir(const char *dir, char *err);
/* Makes ctl->dir (jobd-w<pid>), enabling ctl's controller for its
 * children on v2; an existing one is fine. */
int cgroup_fs_make_parent(const struct cgroup_ctl *ctl, enum cgroup_version v, char *err);
/* rmdir of an (empty) jobd-w<pid>; 0 when it is gone. */
int cgroup_fs_remove_parent(const char *dir, char *err);

#endif
