/* install.h: `vzhost install`: a macOS guest's bundle from a restore image, through the bridge that can. */
#ifndef VZH_INSTALL_H
#define VZH_INSTALL_H

/* -c path --vm vm --ipsw ipsw: a sysexits status */
int install_main(const char *path, const char *vm, const char *ipsw);

#endif
