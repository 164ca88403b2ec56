/* lease.c: a NAT guest's address from macOS's DHCP lease database (/var/db/dhcpd_leases) by its MAC. */
#include "vz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/util.h"

#define LEASES_MAX (4 << 20) /* bootpd's file is small; never read more */

/* "1,5e:4:1f:a:2b:8" (type 1, Ethernet; bootpd drops leading zeros) */
static bool hw_matches(const char *v, size_t n, const uint8_t mac[6])
{
	char buf[64], *p, *end;
	unsigned long b;
	int i;

	if (n < 3 || n >= sizeof(buf) || strncmp(v, "1,", 2))
		return false;
	memcpy(buf, v + 2, n - 2);
	buf[n - 2] = 0;
	p = buf;
	for (i = 0; i < 6; i++) {
		b = strtoul(p, &end, 16);
		if (end == p || end - p > 2 || b != mac[i] ||
		    *end != (i < 5 ? ':' : 0))
			return false;
		p = end + 1;
	}
	return true;
}

struct entry {
	const char *ip, *hw;
	size_t iplen, hwlen;
	long long expiry;
};

/* one key=value line of an entry */
static void field(struct entry *e, const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n);
	size_t k;

	if (!eq)
		return;
	k = (size_t)(eq - line);
	eq++;
	n -= k + 1;
	if (k == 10 && !memcmp(line, "ip_address", k)) {
		e->ip = eq;
		e->iplen = n;
	} else if (k == 10 && !memcmp(line, "hw_address", k)) {
		e->hw = eq;
		e->hwlen = n;
	} else if (k == 5 && !memcmp(line, "lease", k) && n < 20) {
		char num[20];

		memcpy(num, eq, n);
		num[n] = 0;
		e->expiry = strtoll(num, NULL, 16);
	}
}

int vz_lease_find(const char *text, size_t len, const uint8_t mac[6], char *ip,
		  size_t iplen)
{
	const char *p = text, *end = text + len, *nl;
	struct entry e = { 0 };
	long long best = -1;
	bool in = false;
	size_t n;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 1 && *p == '{') {
			memset(&e, 0, sizeof(e));
			in = true;
		} else if (n == 1 && *p == '}' && in) {
			in = false;
			/* the latest lease of this MAC: an old one may remain */
			if (e.ip && e.hw && hw_matches(e.hw, e.hwlen, mac) &&
			    e.expiry > best && e.iplen < iplen &&
			    e.iplen < 46) {
				memcpy(ip, e.ip, e.iplen);
				ip[e.iplen] = 0;
				best = e.expiry;
			}
		} else if (in) {
			field(&e, p, n);
		}
	}
	return best >= 0 ? 0 : -ENOENT;
}

int vz_lease_lookup(const char *path, const uint8_t mac[6], char *ip,
		    size_t iplen)
{
	char *buf = xmalloc(LEASES_MAX);
	ssize_t r;
	size_t n = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (n < LEASES_MAX && (r = read(fd, buf + n, LEASES_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			close(fd);
			goto out;
		}
		n += (size_t)r;
	}
	close(fd);
	ret = vz_lease_find(buf, n, mac, ip, iplen);
out:
	free(buf);
	return ret;
}
