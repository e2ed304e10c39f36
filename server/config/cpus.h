/*
 * cpus.h — how many CPUs this process may really use, for the default pool
 * size: the smaller of its affinity mask (sched_getaffinity, so `taskset`
 * and cpusets count) and its cgroup CPU quota (cgroup v2 cpu.max of its own
 * cgroup and every ancestor; cgroup v1 cpu.cfs_quota_us), rounded up, at
 * least 1. Containers with --cpus=1.5 get 2 workers, not the host's 64.
 */
#ifndef JOBD_CPUS_H
#define JOBD_CPUS_H

/* The count, and in *source "affinity" or "cgroup" (whichever decided). */
int cpus_usable(const char **source);

/* "150000 100000" → 2; "max 100000" or garbage → 0 (no limit). */
int cpus_from_quota(long long quota, long long period);
int cpus_parse_cpu_max(const char *text);

#endif
