/* mac.c: the MAC a network entry without `mac` gets, for nat and for plugins (api->derive_mac). */
#include "mac.h"

/* FNV-1a of "vm/index": the same VM keeps the same address across runs,
   so the guest keeps its DHCP lease and interface name */
void mac_derive(const char *vm, int index, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p;
	int i;

	for (p = vm; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	h = (h ^ (uint8_t)index) * 0x100000001b3ull;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* local, unicast */
}
