/* trust.h: whether someone other than us (or root) could change a file or what leads to it. */
#ifndef VZH_TRUST_H
#define VZH_TRUST_H

#include <sys/stat.h>

/* why a directory on the way to something of ours is unsafe (it belongs to
   someone else, or others may write it and it is not sticky), or NULL */
char *trust_ancestor(const char *path, const struct stat *st);
/* the same for every directory from / down to the parent of real, an
   absolute path without symlinks (realpath's); NULL when all are safe */
char *trust_ancestors(const char *real);

#endif
