/* rules.c: what a user can get wrong in one device, whichever plugin made it: checked once, as the plugin emits it. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *net(const struct vzh_net *v, const char **key, char *buf,
		       size_t len)
{
	static const uint8_t zero[6];
	char mac[18];

	*key = "mac";
	util_format_mac(v->mac, mac);
	if (v->mac[0] & 1)
		snprintf(buf, len,
			 "%s is a multicast address; a NIC needs a unicast one "
			 "(even first octet)",
			 mac);
	else if (!memcmp(v->mac, zero, sizeof(zero)))
		snprintf(buf, len, "%s is not a usable MAC address", mac);
	else
		return NULL;
	return buf;
}

/* a share's or Rosetta's virtio-fs tag */
static const char *tag(const char *t, const char **key, char *buf, size_t len)
{
	*key = "tag";
	if (!t || strlen(t) <= VZH_SHARE_TAG_MAX)
		return NULL;
	snprintf(buf, len,
		 "\"%s\" is %zu bytes; virtio-fs tags must be shorter than %d",
		 t, strlen(t), VZH_SHARE_TAG_MAX + 1);
	return buf;
}

const char *rules_check(enum dev_class cls, const union device_desc *u,
			const char **key, char *buf, size_t len)
{
	*key = NULL;
	switch (cls) {
	case DEV_NET:
		return net(&u->net, key, buf, len);
	case DEV_SHARE:
		return tag(u->share.tag, key, buf, len);
	case DEV_ROSETTA:
		return tag(u->rosetta.tag, key, buf, len);
	default:
		return NULL;
	}
}
