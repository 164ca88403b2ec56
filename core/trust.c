/* trust.c: whether someone other than us (or root) could change a file or what leads to it. */
#include "trust.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *trust_ancestor(const char *path, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return xasprintf("%s is not a directory", path);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return xasprintf("%s belongs to uid %u, neither you nor root: "
				 "its owner could replace what is inside",
				 path, (unsigned)st->st_uid);
	/* sticky (like /tmp): others may add entries, not replace ours */
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return xasprintf("%s is writable by others and not sticky "
				 "(mode %04o): another user could replace what "
				 "is inside",
				 path, (unsigned)(st->st_mode & 07777));
	return NULL;
}

char *trust_ancestors(const char *real)
{
	const char *end = strrchr(real, '/'), *p = real;
	struct stat st;
	char *dir, *bad;

	/* "/", then "/a", "/a/b", ... down to the parent */
	for (;;) {
		int len = p == real ? 1 : (int)(p - real);

		dir = xasprintf("%.*s", len, real);
		bad = lstat(dir, &st) < 0 ?
			      xasprintf("%s: %s", dir, strerror(errno)) :
			      trust_ancestor(dir, &st);
		free(dir);
		if (bad || !end || p == end)
			return bad;
		p = strchr(p + 1, '/');
	}
}
