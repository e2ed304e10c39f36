/*
 * config_paths.c — the paths config_load derives once the flags are read
 * (see config.h): this binary (re-exec'd as workers), the web folder beside
 * it when --web-dir is not given, the job folder (the working directory by
 * default, absolute), the database's label for logs, and the output folder.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int config_derive_paths(struct config *cfg, char *err)
{
	ssize_t n = readlink("/proc/self/exe", cfg->self_exe, sizeof(cfg->self_exe) - 1);
	if (n < 0) {
		err_set(err, "readlink /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	cfg->self_exe[n] = '\0';

	if (cfg->web_dir[0] == '\0') {
		/* Installed: <prefix>/bin/jobd → <prefix>/share/jobd/web. Built in
		 * the tree: <repo>/build/jobd or <repo>/build/asan/jobd → <repo>/web. */
		static const char *const candidates[] = {
			"/../share/jobd/web", "/../web", "/../../web",
		};
		char dir[CONFIG_PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", cfg->self_exe);
		char *slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
			snprintf(cfg->web_dir, sizeof(cfg->web_dir), "%.4000s%s", dir, candidates[i]);
			char index[CONFIG_PATH_MAX + 16];
			snprintf(index, sizeof(index), "%s/index.html", cfg->web_dir);
			if (access(index, R_OK) == 0)
				break;
		}
	}
	if (cfg->job_dir[0] == '\0' && getcwd(cfg->job_dir, sizeof(cfg->job_dir)) == NULL) {
		err_set(err, "getcwd: %s", strerror(errno));
		return -1;
	}
	if (cfg->job_dir[0] != '/') {
		err_set(err, "--job-dir %s: want an absolute path", cfg->job_dir);
		return -1;
	}

	config_redact_db(cfg->db_path, cfg->db_label, sizeof(cfg->db_label));
	if (cfg->output_dir[0] != '\0')
		return 0;
	return config_db_output_dir(cfg->db_path, cfg->output_dir, sizeof(cfg->output_dir), err);
}

