/*
 * cpus.c — usable CPU count from affinity and cgroup quotas (see cpus.h).
 */
#include "cpus.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

int cpus_from_quota(long long quota, long long period)
{
	if (quota <= 0 || period <= 0)
		return 0;
	long long n = (quota + period - 1) / period;
	return n < 1 ? 1 : n > 4096 ? 4096 : (int)n;
}

int cpus_parse_cpu_max(const char *text)
{
	long long quota, period;

	if (strncmp(text, "max", 3) == 0)
		return 0;
	if (sscanf(text, "%lld %lld", &quota, &period) != 2)
		return 0;
	return cpus_from_quota(quota, period);
}

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* The tightest cpu.max from our cgroup v2 up to the root; 0 if none. */
static int cgroup_v2_limit(void)
{
	char line[4096], path[4200], text[128];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int best = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		char *rel = line + 3;
		rel[strcspn(rel, "\n")] = '\0';
		for (;;) {
			snprintf(path, sizeof(path), CGROUP_ROOT "%s/cpu.max", strcmp(rel, "/") ? rel : "");
			if (read_text(path, text, sizeof(text)) == 0) {
				int n = cpus_parse_cpu_max(text);
				if (n > 0 && (best == 0 || n < best))
					best = n;
			}
			char *slash = strrchr(rel, '/');
			if (slash == NULL || slash == rel)
				break;
			*slash = '\0';
		}
	}
	fclose(f);
	return best;
}

static int cgroup_v1_limit(void)
{
	char q[64], p[64];

	if (read_text(CGROUP_ROOT "/cpu/cpu.cfs_quota_us", q, sizeof(q)) < 0 &&
	    read_text(CGROUP_ROOT "/cpu,cpuacct/cpu.cfs_quota_us", q, sizeof(q)) < 0)
		return 0;
	if (read_text(CGROUP_ROOT "/cpu/cpu.cfs_period_us", p, sizeof(p)) < 0 &&
	    read_text(CGROUP_ROOT "/cpu,cpuacct/cpu.cfs_period_us", p, sizeof(p)) < 0)
		return 0;
	return cpus_from_quota(atoll(q), atoll(p));
}

int cpus_usable(const char **source)
{
	cpu_set_t set;
	int n;

	*source = "affinity";
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		n = CPU_COUNT(&set);
	} else {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		n = online > 0 ? (int)online : 1;
	}
	int limit = cgroup_v2_limit();
	if (limit == 0)
		limit = cgroup_v1_limit();
	if (limit > 0 && limit < n) {
		n = limit;
		*source = "cgroup";
	}
	return n < 1 ? 1 : n;
}
