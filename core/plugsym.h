/* plugsym.h: a plugin file's descriptor read from the file itself, before dlopen runs any of its code (ELF: plugsym-linux.c, Mach-O: plugsym-darwin.c). */
#ifndef VZH_PLUGSYM_H
#define VZH_PLUGSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the file holds at its descriptor: the leading plain integers of
 * struct vzh_plugin, as they are before loading (the pointers after them
 * mean something only once the dynamic linker has relocated them).
 */
struct plugsym {
	uint32_t magic;
	uint32_t abi;
	uint32_t struct_size;
	/* bytes the descriptor may span: the symbol's size (ELF), or from it
	   to the end of its section (Mach-O symbols have no size) */
	uint64_t size;
};

/*
 * Finds VZH_PLUGIN_SYMBOL in the open file fd: defined in it, exported, a
 * data object in a section with file contents, for this host's machine; and
 * reads its integers.  Every offset is checked against the file, so a
 * damaged or hostile file is refused, never read past.  0, or -ENOEXEC with
 * why the file is no plugin for this host in why ("not an ELF file").
 */
int plugsym_read(int fd, struct plugsym *d, char *why, size_t len);

#endif
