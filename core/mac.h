/* mac.h: the MAC a network entry without `mac` gets (README: "A derived MAC"). */
#ifndef VZH_MAC_H
#define VZH_MAC_H

#include <stdint.h>

/* from the VM's name and the entry's index in its devices list */
void mac_derive(const char *vm, int index, uint8_t mac[6]);

#endif
