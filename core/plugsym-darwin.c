/* plugsym-darwin.c: the macOS side of plugsym.h: a plugin's descriptor from its Mach-O symbol table (in a universal file, this host's slice). */
#include "plugsym.h"

#include <errno.h>
#include <mach-o/dyld.h>
#include <mach-o/fat.h>
#include <mach-o/loader.h>
#include <mach-o/nlist.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sdk/vzhost/plugin.h"

/* the integers read from the file: magic, abi, struct_size */
#define HEAD_SIZE (3 * sizeof(uint32_t))
/* C names carry a leading underscore in Mach-O symbol tables */
#define MACHO_SYMBOL "_" VZH_PLUGIN_SYMBOL
/* symbol table entries read at a time */
#define SYM_CHUNK 128

/* what the load commands say, once checked to add up */
struct commands {
	bool has_symtab, has_sect;
	struct symtab_command symtab;
	struct section_64 sect; /* the one asked for by number */
};

static int refuse(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

/* len bytes at off, all inside [0, end): 0, or -1 for anything less */
static int read_in(int fd, uint64_t off, void *buf, size_t len, uint64_t end)
{
	if (off > end || len > end - off)
		return -1;
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

/* universal headers are big-endian whatever the host */
static uint32_t be32(const void *p)
{
	const unsigned char *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static uint64_t be64(const void *p)
{
	return (uint64_t)be32(p) << 32 | be32((const unsigned char *)p + 4);
}

static const char *cpu_name(cpu_type_t cpu)
{
	static char other[24];

	switch (cpu) {
	case CPU_TYPE_ARM64:
		return "arm64";
	case CPU_TYPE_X86_64:
		return "x86_64";
	case CPU_TYPE_ARM64_32:
		return "arm64_32";
	case CPU_TYPE_X86:
		return "i386";
	case CPU_TYPE_ARM:
		return "arm";
	case CPU_TYPE_POWERPC:
	case CPU_TYPE_POWERPC64:
		return "ppc";
	}
	snprintf(other, sizeof(other), "cpu type %d", (int)cpu);
	return other;
}

/*
 * A universal file: [*base, *end) becomes the slice for this process's cpu
 * (its cpu subtype preferred, as arm64e beside arm64), the one dyld loads.
 */
static int pick_slice(int fd, uint64_t size, const struct mach_header *self,
		      uint64_t *base, uint64_t *end, char *why, size_t len)
{
	unsigned char head[sizeof(struct fat_header)];
	unsigned char arch[sizeof(struct fat_arch_64)];
	uint64_t at, sz;
	uint32_t i, n;
	size_t one;
	bool wide, found = false, exact;

	if (read_in(fd, 0, head, sizeof(head), size) < 0)
		return refuse(why, len, "a truncated universal file");
	wide = be32(head) == FAT_MAGIC_64;
	one = wide ? sizeof(struct fat_arch_64) : sizeof(struct fat_arch);
	n = be32(head + offsetof(struct fat_header, nfat_arch));
	/* (a Java class file starts with the same magic: its "count" is a
	   version number, more entries than the file has room for) */
	if (n == 0 || n > (size - sizeof(head)) / one)
		return refuse(why, len, "not a Mach-O file");
	for (i = 0; i < n; i++) {
		if (read_in(fd, sizeof(head) + (uint64_t)i * one, arch, one,
			    size) < 0)
			return refuse(why, len, "a truncated universal file");
		/* (cputype and cpusubtype lead both layouts) */
		if (self && (cpu_type_t)be32(arch) != self->cputype)
			continue;
		exact = self &&
			(((cpu_subtype_t)be32(arch + 4) ^ self->cpusubtype) &
			 ~CPU_SUBTYPE_MASK) == 0;
		if (found && !exact)
			continue;
		if (wide) {
			at = be64(arch + offsetof(struct fat_arch_64, offset));
			sz = be64(arch + offsetof(struct fat_arch_64, size));
		} else {
			at = be32(arch + offsetof(struct fat_arch, offset));
			sz = be32(arch + offsetof(struct fat_arch, size));
		}
		if (at > size || sz > size - at)
			return refuse(why, len,
				      "a truncated or damaged universal file: "
				      "a slice lies past its end");
		*base = at;
		*end = at + sz;
		found = true;
		if (exact)
			break;
	}
	if (!found)
		return refuse(why, len,
			      "a universal file without a slice for %s",
			      cpu_name(self ? self->cputype : 0));
	return 0;
}

static int check_header(const struct mach_header_64 *mh,
			const struct mach_header *self, char *why, size_t len)
{
	switch (mh->magic) {
	case MH_MAGIC_64:
		break;
	case MH_MAGIC:
		return refuse(why, len,
			      "a 32-bit Mach-O file; this vzhost is 64-bit");
	case MH_CIGAM:
	case MH_CIGAM_64:
		return refuse(why, len,
			      "a Mach-O file of the other byte order");
	default:
		return refuse(why, len, "not a Mach-O file");
	}
	if (self && mh->cputype != self->cputype)
		return refuse(why, len, "a Mach-O file for %s; this host is %s",
			      cpu_name(mh->cputype), cpu_name(self->cputype));
	if (mh->filetype != MH_BUNDLE && mh->filetype != MH_DYLIB)
		return refuse(why, len, "%s, not a bundle or dynamic library",
			      mh->filetype == MH_EXECUTE ? "an executable" :
			      mh->filetype == MH_OBJECT	 ? "an object file" :
							   "a Mach-O file");
	return 0;
}

/*
 * The load commands (sizeofcmds bytes at cmds), each checked to lie inside
 * them: the symbol table's, and section nsect (numbered from 1 across the
 * segments in their order; 0: none wanted).  0, or -1 when they do not add
 * up.
 */
static int walk_commands(const unsigned char *cmds,
			 const struct mach_header_64 *mh, unsigned nsect,
			 struct commands *c)
{
	struct load_command lc;
	struct segment_command_64 seg;
	uint32_t i, off = 0;
	unsigned seen = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < mh->ncmds; i++, off += lc.cmdsize) {
		if (mh->sizeofcmds - off < sizeof(lc))
			return -1;
		memcpy(&lc, cmds + off, sizeof(lc));
		if (lc.cmdsize < sizeof(lc) ||
		    lc.cmdsize > mh->sizeofcmds - off)
			return -1;
		if (lc.cmd == LC_SYMTAB && !c->has_symtab) {
			if (lc.cmdsize < sizeof(c->symtab))
				return -1;
			memcpy(&c->symtab, cmds + off, sizeof(c->symtab));
			c->has_symtab = true;
		}
		if (lc.cmd != LC_SEGMENT_64)
			continue;
		if (lc.cmdsize < sizeof(seg))
			return -1;
		memcpy(&seg, cmds + off, sizeof(seg));
		if (seg.nsects > (lc.cmdsize - sizeof(seg)) / sizeof(c->sect))
			return -1;
		if (nsect > seen && nsect - seen <= seg.nsects) {
			memcpy(&c->sect,
			       cmds + off + sizeof(seg) +
				       (nsect - seen - 1) * sizeof(c->sect),
			       sizeof(c->sect));
			c->has_sect = true;
		}
		seen += seg.nsects;
	}
	return 0;
}

/* the symbol table's entry named for the descriptor (its name inside the
   string table), in the image [base, end) */
static int find_symbol(int fd, uint64_t base, uint64_t end,
		       const struct symtab_command *st, struct nlist_64 *found,
		       char *why, size_t len)
{
	struct nlist_64 syms[SYM_CHUNK];
	char *names = NULL;
	uint32_t i, k, chunk;
	int ret;

	if (st->strsize > end - base ||
	    (uint64_t)st->nsyms * sizeof(syms[0]) > end - base) {
		ret = refuse(why, len,
			     "a truncated or damaged Mach-O file: its symbol "
			     "table lies past its end");
		goto out;
	}
	names = malloc((size_t)st->strsize + 1);
	if (!names) {
		ret = refuse(why, len, "out of memory");
		goto out;
	}
	if (read_in(fd, base + st->stroff, names, st->strsize, end) < 0) {
		ret = refuse(why, len,
			     "a truncated or damaged Mach-O file: its symbol "
			     "names lie past its end");
		goto out;
	}
	names[st->strsize] = 0;
	for (i = 0; i < st->nsyms; i += chunk) {
		chunk = st->nsyms - i < SYM_CHUNK ? st->nsyms - i : SYM_CHUNK;
		if (read_in(fd,
			    base + st->symoff + (uint64_t)i * sizeof(syms[0]),
			    syms, chunk * sizeof(syms[0]), end) < 0) {
			ret = refuse(why, len,
				     "a truncated or damaged Mach-O file: its "
				     "symbol table lies past its end");
			goto out;
		}
		for (k = 0; k < chunk; k++) {
			/* (debugging entries may repeat the name) */
			if ((syms[k].n_type & N_STAB) ||
			    syms[k].n_un.n_strx >= st->strsize ||
			    strcmp(names + syms[k].n_un.n_strx, MACHO_SYMBOL))
				continue;
			*found = syms[k];
			ret = 0;
			goto out;
		}
	}
	ret = refuse(why, len, "no %s symbol", VZH_PLUGIN_SYMBOL);
out:
	free(names);
	return ret;
}

/* what dlsym would find: exported, defined in a section of the image with
   file contents that is no code; *at and *size its bytes in the file */
static int locate(const struct nlist_64 *sym, const struct commands *c,
		  uint64_t base, uint64_t end, uint64_t *at, uint64_t *size,
		  char *why, size_t len)
{
	const struct section_64 *s = &c->sect;
	uint64_t in;

	if ((sym->n_type & N_TYPE) == N_UNDF)
		return refuse(why, len, "it names %s but does not define it",
			      VZH_PLUGIN_SYMBOL);
	if (!(sym->n_type & N_EXT) || (sym->n_type & N_PEXT))
		return refuse(why, len, "its %s is not exported",
			      VZH_PLUGIN_SYMBOL);
	/* (N_ABS, N_INDR: no section of the file's own; zero-fill: no bytes
	   in the file) */
	if ((sym->n_type & N_TYPE) != N_SECT || sym->n_sect == NO_SECT ||
	    !c->has_sect || (s->flags & SECTION_TYPE) != S_REGULAR ||
	    (s->flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)))
		return refuse(why, len, "its %s is not in a data section",
			      VZH_PLUGIN_SYMBOL);
	if (s->offset > end - base || s->size > end - base - s->offset ||
	    sym->n_value < s->addr || sym->n_value - s->addr > s->size ||
	    s->size - (sym->n_value - s->addr) < HEAD_SIZE)
		return refuse(why, len, "its %s lies outside the file",
			      VZH_PLUGIN_SYMBOL);
	in = sym->n_value - s->addr;
	*at = base + s->offset + in;
	*size = s->size - in;
	return 0;
}

int plugsym_read(int fd, struct plugsym *d, char *why, size_t len)
{
	/* the running program's own header: a plugin must be for its cpu
	   (NULL: not known here, dlopen refuses another cpu's file itself) */
	const struct mach_header *self = _dyld_get_image_header(0);
	unsigned char head[HEAD_SIZE], *cmds = NULL;
	struct mach_header_64 mh;
	struct commands c;
	struct nlist_64 sym;
	struct stat st;
	uint64_t base = 0, end, at = 0, size = 0;
	uint32_t magic;
	int ret;

	memset(d, 0, sizeof(*d));
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(why, len, "%s", strerror(errno));
		goto out;
	}
	end = (uint64_t)st.st_size;
	if (end == 0) {
		ret = refuse(why, len, "an empty file");
		goto out;
	}
	if (read_in(fd, 0, &magic, sizeof(magic), end) < 0) {
		ret = refuse(why, len, "not a Mach-O file");
		goto out;
	}
	if (be32(&magic) == FAT_MAGIC || be32(&magic) == FAT_MAGIC_64) {
		ret = pick_slice(fd, end, self, &base, &end, why, len);
		if (ret)
			goto out;
	}
	memset(&mh, 0, sizeof(mh));
	if (read_in(fd, base, &mh.magic, sizeof(mh.magic), end) < 0 ||
	    (mh.magic == MH_MAGIC_64 &&
	     read_in(fd, base, &mh, sizeof(mh), end) < 0)) {
		ret = refuse(why, len, "a truncated Mach-O file");
		goto out;
	}
	ret = check_header(&mh, self, why, len);
	if (ret)
		goto out;
	/* the load commands whole, then looked at in memory */
	cmds = malloc(mh.sizeofcmds ? mh.sizeofcmds : 1);
	if (!cmds) {
		ret = refuse(why, len, "out of memory");
		goto out;
	}
	if (read_in(fd, base + sizeof(mh), cmds, mh.sizeofcmds, end) < 0 ||
	    walk_commands(cmds, &mh, 0, &c) < 0) {
		ret = refuse(why, len,
			     "a truncated or damaged Mach-O file: its load "
			     "commands do not add up");
		goto out;
	}
	if (!c.has_symtab) {
		ret = refuse(why, len, "no symbol table");
		goto out;
	}
	ret = find_symbol(fd, base, end, &c.symtab, &sym, why, len);
	if (ret)
		goto out;
	walk_commands(cmds, &mh, sym.n_sect, &c); /* (checked above) */
	ret = locate(&sym, &c, base, end, &at, &size, why, len);
	if (ret)
		goto out;
	if (read_in(fd, at, head, sizeof(head), end) < 0) {
		ret = refuse(why, len, "its %s cannot be read",
			     VZH_PLUGIN_SYMBOL);
		goto out;
	}
	/* the image's byte order is this host's (MH_MAGIC_64 read as is) */
	memcpy(&d->magic, head, 4);
	memcpy(&d->abi, head + 4, 4);
	memcpy(&d->struct_size, head + 8, 4);
	d->size = size;
out:
	free(cmds);
	return ret;
}
