/* plugsym-linux.c: the Linux side of plugsym.h: a plugin's descriptor from its ELF dynamic symbol table (libelf). */
#include "plugsym.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sdk/vzhost/plugin.h"

/* the integers read from the file: magic, abi, struct_size */
#define HEAD_SIZE (3 * sizeof(uint32_t))

/* this program's own ELF header, placed by the linker: a plugin must have
   its class, byte order and machine (NULL where the linker has none) */
extern const ElfW(Ehdr) __ehdr_start
	__attribute__((weak, visibility("hidden")));

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

static const char *machine_name(unsigned m)
{
	static char other[24];

	switch (m) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "aarch64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390x";
	}
	snprintf(other, sizeof(other), "machine %u", m);
	return other;
}

static int check_header(Elf *e, off_t size, char *why, size_t len)
{
	const ElfW(Ehdr) *self = &__ehdr_start;
	const char *ident;
	GElf_Ehdr eh;
	size_t n, shnum;

	switch (elf_kind(e)) {
	case ELF_K_ELF:
		break;
	case ELF_K_AR:
		return refuse(why, len,
			      "a static library, not a shared object");
	default:
		return refuse(why, len, "not an ELF file");
	}
	ident = elf_getident(e, &n);
	if (!ident || n < EI_NIDENT || !gelf_getehdr(e, &eh))
		return refuse(why, len, "a damaged ELF file: %s",
			      elf_errmsg(-1));
	if (self && ident[EI_CLASS] != self->e_ident[EI_CLASS])
		return refuse(
			why, len, "a %s-bit ELF file; this vzhost is %s-bit",
			ident[EI_CLASS] == ELFCLASS32 ? "32" : "64",
			self->e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64");
	if (self && ident[EI_DATA] != self->e_ident[EI_DATA])
		return refuse(why, len, "an ELF file of the other byte order");
	if (eh.e_type != ET_DYN)
		return refuse(why, len, "%s, not a shared object",
			      eh.e_type == ET_EXEC ? "an executable" :
			      eh.e_type == ET_REL  ? "an object file" :
			      eh.e_type == ET_CORE ? "a core dump" :
						     "an ELF file");
	if (self && eh.e_machine != self->e_machine)
		return refuse(why, len, "an ELF file for %s; this host is %s",
			      machine_name(eh.e_machine),
			      machine_name(self->e_machine));
	/* (libelf goes on as if there were no sections: say why) */
	shnum = eh.e_shnum;
	if (!shnum && eh.e_shoff && (elf_getshdrnum(e, &shnum) < 0 || !shnum))
		shnum = 1; /* (extended numbering: the count is in section 0) */
	if (shnum &&
	    (eh.e_shentsize != gelf_fsize(e, ELF_T_SHDR, 1, EV_CURRENT) ||
	     eh.e_shoff > (uint64_t)size ||
	     shnum > ((uint64_t)size - eh.e_shoff) / eh.e_shentsize))
		return refuse(why, len,
			      "a truncated or damaged ELF file: its section "
			      "headers lie past its end");
	return 0;
}

/* the descriptor's entry in the dynamic symbol table, the one dlsym sees */
static int find_symbol(Elf *e, GElf_Sym *found, char *why, size_t len)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym = { 0 };
	const char *name;
	bool dynsym = false;
	size_t i, n;
	int err;

	elf_errno(); /* (reading it clears what an earlier call left) */
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return refuse(why, len, "a damaged ELF file: %s",
				      elf_errmsg(-1));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		dynsym = true;
		if (!(data = elf_getdata(scn, NULL)))
			return refuse(why, len,
				      "a damaged ELF file: its dynamic symbol "
				      "table: %s",
				      elf_errmsg(-1));
		n = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
		n = n ? data->d_size / n : 0;
		for (i = 0; i < n && gelf_getsym(data, (int)i, &sym); i++) {
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && !strcmp(name, VZH_PLUGIN_SYMBOL)) {
				*found = sym;
				return 0;
			}
		}
	}
	/* (elf_nextscn ends the same way for the last section and for
	   section headers it could not read) */
	if ((err = elf_errno()))
		return refuse(why, len, "a damaged ELF file: %s",
			      elf_errmsg(err));
	if (!dynsym)
		return refuse(why, len, "no dynamic symbol table");
	return refuse(why, len, "no %s symbol", VZH_PLUGIN_SYMBOL);
}

/* what dlsym would find, and the file offset of its bytes */
static int locate(Elf *e, const GElf_Sym *sym, off_t size, off_t *at, char *why,
		  size_t len)
{
	unsigned type = GELF_ST_TYPE(sym->st_info);
	unsigned bind = GELF_ST_BIND(sym->st_info);
	unsigned vis = GELF_ST_VISIBILITY(sym->st_other);
	Elf_Scn *scn;
	GElf_Shdr sh;
	uint64_t off;

	if (sym->st_shndx == SHN_UNDEF)
		return refuse(why, len, "it names %s but does not define it",
			      VZH_PLUGIN_SYMBOL);
	if ((bind != STB_GLOBAL && bind != STB_WEAK) ||
	    (vis != STV_DEFAULT && vis != STV_PROTECTED))
		return refuse(why, len, "its %s is not exported",
			      VZH_PLUGIN_SYMBOL);
	if (type != STT_OBJECT)
		return refuse(why, len, "its %s is not a data object",
			      VZH_PLUGIN_SYMBOL);
	/* (SHN_ABS, SHN_COMMON, SHN_XINDEX: no section of the file's own) */
	if (sym->st_shndx >= SHN_LORESERVE ||
	    !(scn = elf_getscn(e, sym->st_shndx)) || !gelf_getshdr(scn, &sh) ||
	    sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC) ||
	    (sh.sh_flags & SHF_EXECINSTR))
		return refuse(why, len, "its %s is not in a data section",
			      VZH_PLUGIN_SYMBOL);
	/* the section lies in the file, and the integers inside it */
	if (sh.sh_offset > (uint64_t)size ||
	    sh.sh_size > (uint64_t)size - sh.sh_offset ||
	    sym->st_value < sh.sh_addr ||
	    sym->st_value - sh.sh_addr > sh.sh_size ||
	    sh.sh_size - (sym->st_value - sh.sh_addr) < HEAD_SIZE)
		return refuse(why, len, "its %s lies outside the file",
			      VZH_PLUGIN_SYMBOL);
	off = sh.sh_offset + (sym->st_value - sh.sh_addr);
	*at = (off_t)off;
	return 0;
}

int plugsym_read(int fd, struct plugsym *d, char *why, size_t len)
{
	unsigned char head[HEAD_SIZE];
	struct stat st;
	GElf_Sym sym = { 0 };
	Elf *e = NULL;
	off_t at = 0;
	int ret;

	memset(d, 0, sizeof(*d));
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(why, len, "%s", strerror(errno));
		goto out;
	}
	if (st.st_size == 0) {
		ret = refuse(why, len, "an empty file");
		goto out;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		ret = refuse(why, len, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	/* (libelf reads through pread: the descriptor's offset is not moved) */
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e) {
		ret = refuse(why, len, "not an ELF file: %s", elf_errmsg(-1));
		goto out;
	}
	ret = check_header(e, st.st_size, why, len);
	if (!ret)
		ret = find_symbol(e, &sym, why, len);
	if (!ret)
		ret = locate(e, &sym, st.st_size, &at, why, len);
	if (ret)
		goto out;
	if (pread(fd, head, sizeof(head), at) != (ssize_t)sizeof(head)) {
		ret = refuse(why, len, "its %s cannot be read",
			     VZH_PLUGIN_SYMBOL);
		goto out;
	}
	/* the file's byte order is this host's (checked above) */
	memcpy(&d->magic, head, 4);
	memcpy(&d->abi, head + 4, 4);
	memcpy(&d->struct_size, head + 8, 4);
	d->size = sym.st_size;
out:
	if (e)
		elf_end(e);
	return ret;
}
