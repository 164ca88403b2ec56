/* test_loader.c: finding, checking and initialising plugins; one fixture per failure. */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fakeapi.h"
#include "helpers.h"
#include "loader.h"
#include "plugsym.h"
#include "util.h"

#define VM                                                              \
	"vms = ( { name = \"v\"; boot = { kernel = \"host.conf\"; };\n" \
	"  devices = ( { kind = \"entropy\"; } ); } );\n"

static struct host h;

static int teardown_one(void **s)
{
	(void)s;
	host_close(&h);
	return 0;
}

static int teardown_all(void **s)
{
	(void)s;
	th_cleanup();
	return 0;
}

static size_t with_load(const char *list)
{
	return th_pipeline(&h,
			   th_fmt("plugins = { load = [ %s ]; };\n" VM, list));
}

static void third_party_plugin(void **s)
{
	struct kind_entry *k;

	(void)s;
	assert_int_equal(
		th_pipeline(
			&h,
			"plugins = { load = [ \"virtio\", \"acme\" ];\n"
			"  acme = { widgets = 3; }; };\n"
			"vms = ( { name = \"v\"; boot = { kernel = \"host.conf\"; };\n"
			"  devices = ( { kind = \"acme.widget\"; tag = \"w\"; entropy = true; } ); } );\n"),
		0);
	assert_int_equal(h.nplugins, 2);
	assert_string_equal(h.plugins[1]->name, "acme");
	k = registry_find_kind(&h.reg, "acme.widget");
	assert_non_null(k);
	assert_ptr_equal(k->owner, h.plugins[1]);
	assert_int_equal(h.reg.nsubs[VZH_EV_PREPARE], 1);
	/* one entry, two devices, both traced to the entry */
	assert_int_equal(h.vms[0].ndevs, 2);
	assert_int_equal(h.vms[0].devs[0].cls, DEV_SHARE);
	assert_string_equal(h.vms[0].devs[0].u.share.tag, "w");
	assert_int_equal(h.vms[0].devs[1].cls, DEV_ENTROPY);
	assert_string_equal(h.vms[0].devs[1].origin.plugin, "acme");
	assert_string_equal(h.vms[0].devs[1].origin.kind, "acme.widget");
	assert_non_null(strstr(h.vms[0].devs[1].origin.loc,
			       "host.conf:4: vms[0].devices[0]"));
}

/* the list and group parts of the API, as a plugin sees them */
static void plugin_reads_lists(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h,
			"plugins = { load = [ \"acme\" ]; };\n"
			"vms = ( { name = \"v\"; boot = { kernel = \"host.conf\"; };\n"
			"  devices = ( { kind = \"acme.widget\"; tag = \"w\";\n"
			"    extra = ( { tag = \"x1\"; },\n"
			"              { tag = \"x2\"; } ); } ); } );\n"),
		0);
	assert_int_equal(h.vms[0].ndevs, 3);
	assert_string_equal(h.vms[0].devs[1].u.share.tag, "x1");
	assert_string_equal(h.vms[0].devs[2].u.share.tag, "x2");
	host_close(&h);
	/* not a list: nothing extra; an element without its tag: at its line */
	assert_int_equal(
		th_pipeline(
			&h,
			"plugins = { load = [ \"acme\" ]; };\n"
			"vms = ( { name = \"v\"; boot = { kernel = \"host.conf\"; };\n"
			"  devices = ( { kind = \"acme.widget\"; extra = 7; },\n"
			"    { kind = \"acme.widget\"; tag = \"b\"; extra = (\n"
			"      { tag = \"ok\"; },\n      { name = \"x\"; } ); } ); } );\n"),
		1);
	assert_true(th_has(&h,
			   "host.conf:6: vms[0].devices[1].extra[1]: "
			   "an extra share needs a tag",
			   NULL));
	assert_int_equal(h.vms[0].ndevs, 1);
}

/* -errno with set_error but no api->error: the core says it at the entry,
   for each entry refused (the message of one is not another's) */
static void refusals_by_set_error_at_each_entry(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(&h,
			    "plugins = { load = [ \"acme\" ]; };\n"
			    "vms = ( { name = \"v\"; boot = { kernel = "
			    "\"host.conf\"; };\n"
			    "  devices = ( { kind = \"acme.widget\"; "
			    "refuse = \"no room\"; },\n"
			    "    { kind = \"acme.widget\"; tag = \"ok\"; },\n"
			    "    { kind = \"acme.widget\"; "
			    "refuse = \"no power\"; } ); } );\n"),
		2);
	assert_true(th_has(&h,
			   "host.conf:3: vms[0].devices[0]: plugin \"acme\" "
			   "refused the device: no room",
			   NULL));
	assert_true(th_has(&h,
			   "host.conf:5: vms[0].devices[2]: plugin \"acme\" "
			   "refused the device: no power",
			   NULL));
	assert_int_equal(h.vms[0].ndevs, 1);
}

static void plugin_settings_are_checked(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h,
			"plugins = { load = [ \"acme\" ];\n"
			"  acme = { widgets = -1; };\n  acm = { };\n};\n" VM),
		2); /* no echo of the failure for the VM's kinds */
	assert_true(th_has(&h,
			   "plugins.load[0]: plugin \"acme\": init failed: "
			   "widgets must not be negative",
			   NULL));
	assert_true(
		th_has(&h,
		       "host.conf:3: plugins.acm: no plugin \"acm\" is loaded "
		       "(did you mean \"acme\"?)",
		       NULL));
}

static void not_found_lists_directories(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"nosuch\""), 0);
	assert_true(th_has(
		&h,
		"host.conf:1: plugins.load[0]: plugin \"nosuch\" not found "
		"(searched: ",
		th_fmt("%s/plugins, %s/fixtures)", fake_build_dir(),
		       fake_build_dir()),
		NULL));
}

/* what cannot be loaded at all is refused with the system's reason, and
   leaves no descriptor behind */
static void unloadable_files(void **s)
{
	char *dir = xstrdup(th_fmt("%s/junk", th_dir()));
	int fds = th_open_fds();

	(void)s;
	mkdir(dir, 0755);
	free(th_write(dir, "garbage.so", "not an ELF object\n"));
	mkdir(th_fmt("%s/adir.so", dir), 0755);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"junk\" ];\n"
			"  load = [ \"garbage\", \"adir\", \"../x\", \"noinit\" ]; };\n" VM,
			th_fmt("%s/fixtures", fake_build_dir())),
		0);
	assert_true(th_has(&h, "plugins.load[0]: plugin \"garbage\": ",
			   "junk/garbage.so", NULL));
	assert_true(th_has(&h, "plugins.load[1]: plugin \"adir\": ",
			   "junk/adir.so is not a regular file", NULL));
	assert_true(th_has(&h, "plugins.load[2]: \"../x\" is not a plugin name",
			   NULL));
	assert_true(th_has(&h,
			   "plugins.load[3]: plugin \"noinit\": descriptor "
			   "has no init()",
			   NULL));
	assert_int_equal(h.nplugins, 0);
	assert_int_equal(th_open_fds(), fds);
	free(dir);
}

/* a plugin's name is its settings group's (plugins.NAME): a name libconfig
   could not take there is refused at load, before any file is looked for */
static void names_are_settings_groups(void **s)
{
	(void)s;
	assert_int_not_equal(
		with_load("\"acme.tpm\", \"9lives\", \"_x\", \"a-b_c9\""), 0);
	assert_true(
		th_has(&h,
		       "plugins.load[0]: \"acme.tpm\" is not a plugin name: "
		       "a plugin's name is its settings group's, "
		       "plugins.NAME, so a letter then letters, digits, "
		       "'-' or '_', at most 64 (its device kinds are the "
		       "ones named vendor.thing)",
		       NULL));
	assert_true(th_has(
		&h,
		"plugins.load[1]: \"9lives\" is not a plugin name: ", NULL));
	assert_false(th_has(&h, "9lives", "vendor.thing", NULL));
	assert_true(th_has(&h, "plugins.load[2]: \"_x\" is not a plugin name",
			   NULL));
	/* a good name is looked for */
	assert_true(th_has(&h, "plugins.load[3]: plugin \"a-b_c9\"", NULL));
	assert_int_equal(h.nplugins, 0);
}

/* at most 64 bytes: the 64th is looked for, a 65th refused */
static void names_at_most_64(void **s)
{
	char n64[65], n65[66];

	(void)s;
	memset(n64, 'a', 64);
	n64[64] = 0;
	memset(n65, 'b', 65);
	n65[65] = 0;
	assert_int_not_equal(with_load(th_fmt("\"%s\", \"%s\"", n64, n65)), 0);
	assert_true(th_has(&h, th_fmt("plugins.load[0]: plugin \"%s\"", n64),
			   NULL));
	assert_true(th_has(&h,
			   th_fmt("plugins.load[1]: \"%s\" is not a plugin "
				  "name",
				  n65),
			   NULL));
	assert_false(
		th_has(&h, th_fmt("\"%s\" is not a plugin name", n64), NULL));
}

static void not_a_plugin(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"notplugin\""), 0);
	assert_true(th_has(
		&h, "plugins.load[0]: plugin \"notplugin\":",
		"is not a vzhost plugin (no vzh_plugin_descriptor symbol)",
		NULL));
	assert_int_equal(h.nplugins, 0);
}

/* dlopen runs a file's constructors before dlsym can look at it: what is no
   vzhost plugin for this ABI is refused from its own symbol table first,
   and its constructor (which creates VZH_TEST_MARKER) never runs */
static void constructors_of_non_plugins_never_run(void **s)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "ctornodesc",
		  "is not a vzhost plugin (no vzh_plugin_descriptor symbol)" },
		{ "ctormagic",
		  "is not a vzhost plugin (bad magic in its descriptor)" },
		{ "ctorabi", "built for ABI 2.0, this vzhost has ABI 1.4: "
			     "rebuild it for ABI 1" },
		{ "ctorundef",
		  "is not a vzhost plugin (it names "
		  "vzh_plugin_descriptor but does not define it)" },
	};
	const char *mark;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mark = th_fmt("%s/%s.ran", th_dir(), cases[i].name);
		setenv("VZH_TEST_MARKER", mark, 1);
		assert_int_not_equal(with_load(th_fmt("\"%s\"", cases[i].name)),
				     0);
		assert_true(th_has(&h, th_fmt("plugin \"%s\":", cases[i].name),
				   cases[i].why, NULL));
		assert_int_equal(h.nplugins, 0);
		if (access(mark, F_OK) == 0)
			fail_msg("%s.so's constructor ran before it was "
				 "refused",
				 cases[i].name);
		host_close(&h);
	}
	unsetenv("VZH_TEST_MARKER");
}

/* a real plugin with a constructor still loads (and its constructor runs) */
static void plugin_with_constructor_loads(void **s)
{
	const char *mark = th_fmt("%s/ctorok.ran", th_dir());

	(void)s;
	setenv("VZH_TEST_MARKER", mark, 1);
	if (with_load("\"ctorok\", \"virtio\""))
		diag_print(&h.diag, stderr);
	unsetenv("VZH_TEST_MARKER");
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.nplugins, 2);
	assert_int_equal(access(mark, F_OK), 0);
}

/* a built plugin's bytes, to damage (malloc'd) */
static unsigned char *slurp(const char *path, size_t *n)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	*n = (size_t)st.st_size;
	buf = xmalloc(*n + 1);
	assert_int_equal(read(fd, buf, *n), (ssize_t)*n);
	close(fd);
	return buf;
}

static void spill(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* section i of a 64-bit ELF file in buf */
static Elf64_Shdr *shdr_of(unsigned char *buf, size_t i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

	return (Elf64_Shdr *)(buf + eh->e_shoff + i * eh->e_shentsize);
}

/* the dynamic symbol table's section in buf, and the descriptor's entry */
static Elf64_Shdr *dynsym_of(unsigned char *buf)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	size_t i;

	for (i = 0; i < eh->e_shnum; i++)
		if (shdr_of(buf, i)->sh_type == SHT_DYNSYM)
			return shdr_of(buf, i);
	fail_msg("no .dynsym");
	return NULL;
}

static Elf64_Sym *descriptor_of(unsigned char *buf)
{
	Elf64_Shdr *ds = dynsym_of(buf);
	const char *names =
		(const char *)buf + shdr_of(buf, ds->sh_link)->sh_offset;
	Elf64_Sym *sym = (Elf64_Sym *)(buf + ds->sh_offset);
	size_t i;

	for (i = 0; i < ds->sh_size / sizeof(*sym); i++)
		if (!strcmp(names + sym[i].st_name, "vzh_plugin_descriptor"))
			return &sym[i];
	fail_msg("no descriptor");
	return NULL;
}

/* a plugin damaged in each way a broken disk, a bad copy or a hostile file
   could: refused from what the file says before dlopen, clearly, and
   vzhost reads nothing past the file's end (make SAN=address) */
static void damaged_files_are_refused(void **s)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "empty", "(an empty file)" },
		{ "text", "(not an ELF file)" },
		{ "header",
		  "(a truncated or damaged ELF file: its section headers lie past its end)" },
		{ "half",
		  "(a truncated or damaged ELF file: its section headers lie past its end)" },
		{ "shoff",
		  "(a truncated or damaged ELF file: its section headers lie past its end)" },
		{ "dynoff", "(a damaged ELF file: its dynamic symbol table: " },
		{ "descoff",
		  "(its vzh_plugin_descriptor lies outside the file)" },
		{ "descend",
		  "(its vzh_plugin_descriptor lies outside the file)" },
		{ "names", "(a damaged ELF file: " },
		{ "nodyn", "(no dynamic symbol table)" },
		{ "machine", "(an ELF file for " },
		{ "sparc", "(an ELF file for machine 43; this host is " },
		{ "class32", "(a 32-bit ELF file; this vzhost is 64-bit)" },
		{ "exec", "(an executable, not a shared object)" },
		{ "func", "(its vzh_plugin_descriptor is not a data object)" },
		{ "local", "(its vzh_plugin_descriptor is not exported)" },
		{ "nobits", "(its vzh_plugin_descriptor is not in a data "
			    "section)" },
		{ "small", "(its vzh_plugin_descriptor is 8 bytes; an ABI 1 "
			   "descriptor has at least " },
	};
	char *dir = xstrdup(th_fmt("%s/damaged", th_dir()));
	char *load = xstrdup(""), *was;
	unsigned char *orig, *buf;
	Elf64_Ehdr *eh;
	size_t n, i, len;

	(void)s;
	if (sizeof(void *) != 8)
		skip(); /* (the damage is done to a 64-bit ELF file) */
	orig = slurp(th_fmt("%s/fixtures/acme.so", fake_build_dir()), &n);
	buf = xmalloc(n);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *name = cases[i].name;

		memcpy(buf, orig, n);
		eh = (Elf64_Ehdr *)buf;
		len = n;
		if (!strcmp(name, "empty"))
			len = 0;
		else if (!strcmp(name, "text"))
			len = (size_t)sprintf((char *)buf, "not a plugin\n");
		else if (!strcmp(name, "header"))
			len = sizeof(*eh);
		else if (!strcmp(name, "half"))
			len = n / 2;
		else if (!strcmp(name, "shoff"))
			eh->e_shoff = n + 4096;
		else if (!strcmp(name, "dynoff"))
			dynsym_of(buf)->sh_offset = n + 4096;
		else if (!strcmp(name, "descoff"))
			shdr_of(buf, descriptor_of(buf)->st_shndx)->sh_offset =
				n - 8;
		else if (!strcmp(name, "descend"))
			descriptor_of(buf)->st_value = ~(Elf64_Addr)3;
		else if (!strcmp(name, "names"))
			dynsym_of(buf)->sh_link = 0;
		else if (!strcmp(name, "nodyn"))
			dynsym_of(buf)->sh_type = SHT_PROGBITS;
		else if (!strcmp(name, "machine"))
			eh->e_machine = eh->e_machine == EM_AARCH64 ?
						EM_X86_64 :
						EM_AARCH64;
		else if (!strcmp(name, "sparc"))
			eh->e_machine =
				EM_SPARCV9; /* (one it has no name for) */
		else if (!strcmp(name, "class32"))
			eh->e_ident[EI_CLASS] = ELFCLASS32;
		else if (!strcmp(name, "exec"))
			eh->e_type = ET_EXEC;
		else if (!strcmp(name, "func"))
			descriptor_of(buf)->st_info =
				ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		else if (!strcmp(name, "local"))
			descriptor_of(buf)->st_info =
				ELF64_ST_INFO(STB_LOCAL, STT_OBJECT);
		else if (!strcmp(name, "nobits"))
			shdr_of(buf, descriptor_of(buf)->st_shndx)->sh_type =
				SHT_NOBITS;
		else if (!strcmp(name, "small"))
			descriptor_of(buf)->st_size = 8;
		spill(th_fmt("%s/%s.so", dir, name), buf, len);
		was = load;
		load = xasprintf("%s%s\"%s\"", was, i ? ", " : "", name);
		free(was);
	}
	assert_int_not_equal(
		th_pipeline_path(&h,
				 th_fmt("plugins = { dirs = [ \"damaged\" ]; "
					"load = [ %s ]; };\n" VM,
					load),
				 "/nonexistent"),
		0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true(th_has(&h,
				   th_fmt("plugins.load[%zu]: plugin \"%s\": ",
					  i, cases[i].name),
				   th_fmt("damaged/%s.so is not a vzhost "
					  "plugin ",
					  cases[i].name),
				   cases[i].why, NULL));
	assert_int_equal(h.nplugins, 0);
	free(load);
	free(buf);
	free(orig);
	free(dir);
}

/* truncations and bit flips of a real plugin, straight to the pre-dlopen
   reader (never dlopen-ed: damage can crash the dynamic linker): every
   truncation is refused, and nothing crashes or reads past the file
   (make SAN=address) whatever the damage */
static void damaged_copies_never_crash(void **s)
{
	const char *file = th_fmt("%s/fuzzed.so", th_dir());
	unsigned char *orig, *buf;
	struct plugsym d;
	char why[256];
	size_t n, len, i, k, at, refused = 0;
	uint64_t x =
		0x9e3779b97f4a7c15ull; /* xorshift: the same run each time */
	const Elf64_Ehdr *eh;
	int fd, ret;

	(void)s;
	orig = slurp(th_fmt("%s/plugins/virtio.so", fake_build_dir()), &n);
	buf = xmalloc(n);
	eh = (const Elf64_Ehdr *)orig;
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	/* the whole file reads back, then every length short of it fails */
	assert_int_equal(pwrite(fd, orig, n, 0), (ssize_t)n);
	assert_int_equal(plugsym_read(fd, &d, why, sizeof(why)), 0);
	assert_int_equal(d.magic, VZH_PLUGIN_MAGIC);
	for (len = 0; len < n; len += len < 1024 ? 1 : 37) {
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
		why[0] = 0;
		if (plugsym_read(fd, &d, why, sizeof(why)) != -ENOEXEC ||
		    !why[0])
			fail_msg("%zu of %zu bytes: not refused", len, n);
	}
	for (i = 0; i < 20000; i++) {
		memcpy(buf, orig, n);
		for (k = 0; k <= i % 4; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* half the flips where the reader looks: the header,
			   the section headers and the tables before .text */
			if (i % 2)
				at = x % n;
			else if (x % 3 == 0)
				at = (x >> 8) % sizeof(*eh);
			else if (x % 3 == 1)
				at = eh->e_shoff + (x >> 8) % (n - eh->e_shoff);
			else
				at = (x >> 8) % 0x1000;
			buf[at] ^= (unsigned char)(1u << ((x >> 32) % 8));
		}
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, buf, n, 0), (ssize_t)n);
		why[0] = 0;
		ret = plugsym_read(fd, &d, why, sizeof(why));
		if (ret && (ret != -ENOEXEC || !why[0]))
			fail_msg("flip %zu: %d without a reason", i, ret);
		refused += ret != 0;
	}
	print_message("20000 damaged copies: %zu refused, %zu read\n", refused,
		      20000 - refused);
	close(fd);
	free(buf);
	free(orig);
}

/* the descriptor's head (magic, ABI, size: 12 bytes) at its section's very
   end is read; a byte less of section and it lies outside */
static void descriptor_at_its_sections_end(void **s)
{
	const char *file = th_fmt("%s/edge.so", th_dir());
	unsigned char *buf;
	struct plugsym d;
	Elf64_Sym *sym;
	Elf64_Shdr *sh;
	char why[256];
	size_t n, left;
	int fd;

	(void)s;
	if (sizeof(void *) != 8)
		skip(); /* (a 64-bit ELF file) */
	buf = slurp(th_fmt("%s/plugins/virtio.so", fake_build_dir()), &n);
	sym = descriptor_of(buf);
	sh = shdr_of(buf, sym->st_shndx);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	for (left = 12; left >= 11; left--) {
		sh->sh_size = sym->st_value - sh->sh_addr + left;
		assert_int_equal(pwrite(fd, buf, n, 0), (ssize_t)n);
		why[0] = 0;
		if (left == 12) {
			assert_int_equal(plugsym_read(fd, &d, why, sizeof(why)),
					 0);
			assert_int_equal(d.magic, VZH_PLUGIN_MAGIC);
		} else {
			assert_int_equal(plugsym_read(fd, &d, why, sizeof(why)),
					 -ENOEXEC);
			assert_non_null(strstr(why, "lies outside the file"));
		}
	}
	close(fd);
	free(buf);
}

static void bad_magic(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"badmagic\""), 0);
	assert_true(th_has(&h, "is not a vzhost plugin (bad magic", NULL));
}

static void other_major_is_refused_before_init(void **s)
{
	(void)s;
	/* oldabi's init() aborts: reaching the assertion proves it never ran */
	assert_int_not_equal(with_load("\"oldabi\""), 0);
	assert_true(
		th_has(&h,
		       "plugin \"oldabi\": built for ABI 2.0, this vzhost has "
		       "ABI 1.4: rebuild it for ABI 1",
		       NULL));
}

static void newer_minor_is_refused(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"newminor\""), 0);
	assert_true(
		th_has(&h,
		       "plugin \"newminor\": needs ABI 1.5, this vzhost has "
		       "ABI 1.4: upgrade vzhost",
		       NULL));
}

static void short_descriptor(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"shortdesc\""), 0);
	assert_true(th_has(&h, "descriptor is 16 bytes", NULL));
}

static void name_mismatch(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"misnamed\""), 0);
	assert_true(
		th_has(&h,
		       "calls itself \"other\"; a plugin's name must equal its "
		       "file name",
		       NULL));
}

static void duplicate(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"virtio\", \"virtio\""), 0);
	assert_true(th_has(&h,
			   "plugins.load[1]: plugin \"virtio\" is loaded twice",
			   NULL));
	assert_int_equal(h.nplugins, 1);
}

/* a bare kind name is a built-in plugin's, whatever the load order */
static void kind_clash(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"kindclash\", \"disk\", \"virtio\""),
			     0);
	assert_true(th_has(&h,
			   "plugins.load[0]: plugin \"kindclash\": kind "
			   "\"disk\": a bare kind name is a built-in plugin's "
			   "(\"disk\"); name yours \"vendor.disk\"",
			   NULL));
	assert_string_equal(registry_find_kind(&h.reg, "disk")->owner->name,
			    "disk");
}

/* a vendor kind has one owner: a second plugin registering it is refused,
   the owner named, whatever its init returned; the owner keeps it */
static void vendor_kind_taken(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"acme\", \"rival\", \"virtio\""), 0);
	assert_true(
		th_has(&h,
		       "plugins.load[1]: plugin \"rival\": kind "
		       "\"acme.widget\" is already owned by plugin \"acme\"",
		       NULL));
	assert_string_equal(
		registry_find_kind(&h.reg, "acme.widget")->owner->name, "acme");
}

/* a plugin built against SDK 1.0's header (kept in tests) loads into this
   1.1 core and works: its shorter graphics struct means headless, its
   vsock has no ports, its kind's reserved0 is no flag */
static void sdk_10_plugin(void **s)
{
	(void)s;
	if (th_pipeline(&h, "plugins = { load = [ \"old10\" ]; };\n"
			    "vms = ( { name = \"o\"; boot = { kernel = "
			    "\"host.conf\"; };\n"
			    "  devices = ( { kind = \"old10.gadget\"; size = "
			    "\"2M\"; } ); } );\n"))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.plugins[0]->desc->abi, (1 << 16) | 0);
	assert_int_equal(h.vms[0].ndevs, 3);
	assert_int_equal(h.vms[0].devs[0].u.disk.size, 2 << 20);
	assert_int_equal(h.vms[0].devs[1].u.graphics.width, 800);
	assert_int_equal(h.vms[0].devs[1].u.graphics.display,
			 VZH_DISPLAY_HEADLESS);
	assert_int_equal(h.vms[0].devs[2].cls, DEV_VSOCK);
	assert_int_equal(h.vms[0].devs[2].u.vsock.nports, 0);
	assert_null(h.plugins[0]->desc->settings_keys);
}

/* plugins built against SDK 1.1's, 1.2's and 1.3's headers (kept in tests)
   load and work: declared settings, an entry that emits nothing, a QEMU-only
   device and a served console (1.1); NAT forwards and a ready hook (1.2); a
   channel and a validator (1.3) */
static void sdk_11_and_12_plugins(void **s)
{
	(void)s;
	if (th_pipeline(
		    &h,
		    "plugins = { load = [ \"old11\", \"old12\" ];\n"
		    "  old11 = { level = 2; }; };\n"
		    "vms = ( { name = \"o\"; boot = { kernel = "
		    "\"host.conf\"; };\n"
		    "  devices = ( { kind = \"old11.gadget\"; },\n"
		    "    { kind = \"old11.gadget\"; watchdog = true; },\n"
		    "    { kind = \"old12.gadget\"; port = 2022; } ); } );\n"))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.plugins[0]->desc->abi, (1 << 16) | 1);
	assert_int_equal(h.plugins[1]->desc->abi, (1 << 16) | 2);
	assert_int_equal(h.vms[0].ndevs, 3);
	assert_int_equal(h.vms[0].devs[0].cls, DEV_HVDEV);
	assert_string_equal(h.vms[0].devs[0].u.hvdev.group, "action");
	assert_string_equal(h.vms[0].devs[0].u.hvdev.props[0].str, "reset");
	assert_int_equal(h.vms[0].devs[1].cls, DEV_SERIAL);
	assert_int_equal(h.vms[0].devs[1].u.serial.output, VZH_SERIAL_BACKEND);
	assert_int_equal(h.vms[0].devs[2].cls, DEV_NET);
	assert_int_equal(h.vms[0].devs[2].u.net.nforwards, 1);
	assert_int_equal(h.vms[0].devs[2].u.net.forwards[0].host_port, 2022);
	assert_int_equal(h.vms[0].devs[2].u.net.forwards[0].guest_port, 22);
	/* SDK 1.3's: a channel and a validator */
	teardown_one(NULL);
	if (th_pipeline(&h,
			"plugins = { load = [ \"old13\" ]; };\n"
			"vms = ( { name = \"o\"; boot = { kernel = "
			"\"host.conf\"; };\n"
			"  devices = ( { kind = \"old13.gadget\"; } ); } );\n"))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.plugins[0]->desc->abi, (1 << 16) | 3);
	assert_int_equal(h.vms[0].devs[0].cls, DEV_CHANNEL);
	assert_string_equal(h.vms[0].devs[0].u.channel.name, "old13.port");
	teardown_one(NULL);
	assert_int_not_equal(
		th_pipeline(&h, "plugins = { load = [ \"old13\" ]; };\n"
				"vms = ( { name = \"o\"; cpus = 3; boot = { "
				"kernel = \"host.conf\"; }; } );\n"),
		0);
	assert_true(th_has(
		&h, "host.conf:2: vms[0].cpus: old13 wants 2 CPUs at most",
		NULL));
	/* its declared settings are still checked */
	teardown_one(NULL);
	assert_int_not_equal(
		th_pipeline(&h, "plugins = { load = [ \"old11\" ];\n"
				"  old11 = { levle = 2; }; };\n"
				"vms = ( { name = \"o\"; boot = { kernel = "
				"\"host.conf\"; }; } );\n"),
		0);
	assert_true(th_has(&h,
			   "plugins.old11.levle: unknown setting (did you "
			   "mean \"level\"?)",
			   NULL));
}

/* a plugin's settings group holds only the keys its descriptor declares
   (SDK 1.1): a typo is said at its line, with the nearest key */
static void settings_keys_declared(void **s)
{
	(void)s;
	assert_int_not_equal(
		th_pipeline(&h, "plugins = { load = [ \"acme\" ];\n"
				"  acme = { widgets = 3; wigdets = 4; }; };\n"
				"vms = ( { name = \"w\"; boot = { kernel = "
				"\"host.conf\"; }; } );\n"),
		0);
	assert_int_equal(h.diag.n, 1);
	assert_true(th_has(&h,
			   "host.conf:2: plugins.acme.wigdets: unknown setting "
			   "(did you mean \"widgets\"?)",
			   NULL));
}

/* an entry that emits no device is an error at its line naming the
   plugin, unless its kind declares it may emit nothing */
static void entry_without_device(void **s)
{
	(void)s;
	assert_int_not_equal(
		th_pipeline(&h,
			    "plugins = { load = [ \"acme\" ]; };\n"
			    "vms = ( { name = \"w\"; boot = { kernel = "
			    "\"host.conf\"; };\n"
			    "  devices = ( { kind = \"acme.watchdog\"; model "
			    "= \"i6300esb\"; },\n"
			    "    { kind = \"acme.marker\"; } ); } );\n"),
		0);
	assert_int_equal(h.diag.n, 1);
	assert_true(th_has(&h,
			   "host.conf:3: vms[0].devices[0]: plugin \"acme\" "
			   "emitted no device for this acme.watchdog entry",
			   NULL));
}

static void init_failure_message(void **s)
{
	(void)s;
	assert_int_not_equal(with_load("\"initfail\""), 0);
	assert_true(th_has(&h,
			   "plugin \"initfail\": init failed: cannot reach the "
			   "license server at 10.0.0.1",
			   NULL));
}

static void never_unloaded_after_init(void **s)
{
	const char *ran = th_fmt("%s/fixtures/initfail.so", fake_build_dir());
	const char *never = th_fmt("%s/fixtures/oldabi.so", fake_build_dir());

	(void)s;
	/* init ran (and failed): the code stays mapped; init never ran: unmapped */
	assert_non_null(dlopen(ran, RTLD_NOW | RTLD_NOLOAD));
	assert_null(dlopen(never, RTLD_NOW | RTLD_NOLOAD));
}

static void writable_files_and_dirs_are_refused(void **s)
{
	const char *src = th_fmt("%s/fixtures/acme.so", fake_build_dir());
	char cmd[1024];

	(void)s;
	snprintf(
		cmd, sizeof(cmd),
		"mkdir -p %1$s/ww %1$s/gw && cp %2$s %1$s/ww/ && cp %2$s %1$s/gw/ && "
		"chmod 0666 %1$s/ww/acme.so && chmod 0755 %1$s/ww && chmod 0775 %1$s/gw",
		th_dir(), src);
	assert_int_equal(system(cmd), 0);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"ww\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(&h, "plugin \"acme\": refusing file",
			   "ww/acme.so: it is group- or "
			   "world-writable",
			   NULL));
	host_close(&h);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"gw\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(&h, "plugin \"acme\": refusing directory",
			   "/gw: it is group- or", NULL));
}

/* a plugin file or directory of another user (not root) is refused */
static void other_owners_are_refused(void **s)
{
	const char *src = th_fmt("%s/fixtures/acme.so", fake_build_dir());
	char cmd[1024];

	(void)s;
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root to give files to uid "
				"65534\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %1$s/of %1$s/od && cp %2$s %1$s/of/ && cp %2$s "
		 "%1$s/od/ && chown 65534 %1$s/of/acme.so %1$s/od && "
		 "chmod 0755 %1$s/of %1$s/od && chmod 0644 %1$s/of/acme.so",
		 th_dir(), src);
	assert_int_equal(system(cmd), 0);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"of\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(
		&h, "plugin \"acme\": refusing file",
		"of/acme.so: owned by uid 65534, neither root nor you", NULL));
	assert_int_equal(h.nplugins, 0);
	host_close(&h);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"od\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(&h, "plugin \"acme\": refusing directory",
			   "/od: owned by uid 65534, neither root nor you",
			   NULL));
	assert_int_equal(h.nplugins, 0);
}

/* the path to a plugin is checked all the way: a link in a safe directory to
   a plugin in an unsafe one, a plugin under a parent anyone can write, a
   relative VZHOST_PLUGIN_PATH */
static void the_whole_way_is_checked(void **s)
{
	const char *src = th_fmt("%s/fixtures/acme.so", fake_build_dir());
	char cmd[1024];

	(void)s;
	snprintf(
		cmd, sizeof(cmd),
		"mkdir -p %1$s/safe %1$s/open %1$s/up/down && cp %2$s %1$s/open/ && "
		"cp %2$s %1$s/up/down/ && ln -s %1$s/open/acme.so %1$s/safe/acme.so && "
		"chmod 0755 %1$s/safe %1$s/up/down && chmod 0777 %1$s/open %1$s/up",
		th_dir(), src);
	assert_int_equal(system(cmd), 0);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"safe\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(&h, "plugin \"acme\": refusing directory",
			   "/open: it is group- or world-writable", NULL));
	assert_int_equal(h.nplugins, 0);
	host_close(&h);
	assert_int_not_equal(
		th_pipeline_path(
			&h,
			"plugins = { dirs = [ \"up/down\" ]; load = [ \"acme\" ]; };\n" VM,
			"/nonexistent"),
		0);
	assert_true(th_has(
		&h, "plugin \"acme\": refusing ",
		"/up is writable by others and not sticky (mode 0777)", NULL));
	assert_int_equal(h.nplugins, 0);
	host_close(&h);
	assert_int_not_equal(th_pipeline_path(&h, VM, "."), 0);
	assert_true(th_has(&h,
			   "VZHOST_PLUGIN_PATH: \".\" is not an absolute "
			   "directory: refusing it",
			   NULL));
}

static void default_loads_every_builtin(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline_path(&h, VM,
				 th_fmt("%s/plugins", fake_build_dir())),
		0);
	assert_int_equal(h.nplugins, 9);
	assert_string_equal(h.plugins[0]->name, "channel"); /* in name order */
	assert_string_equal(h.plugins[1]->name, "disk");
	assert_string_equal(h.plugins[4]->name, "media");
	assert_string_equal(h.plugins[8]->name, "virtio");
}

/* a plugin's validator (SDK 1.3) refuses a machine at its own file:line, or
   at the VM's with the plugin named; other machines pass; a plugin without
   one changes nothing */
static void validators_refuse_machines(void **s)
{
	(void)s;
	assert_int_not_equal(
		th_pipeline(&h, "plugins = { load = [ \"judge\" ]; };\n"
				"vms = ( { name = \"bad1\"; cpus = 2;\n"
				"  boot = { kernel = \"host.conf\"; }; },\n"
				"  { name = \"big\"; cpus = 8;\n"
				"  boot = { kernel = \"host.conf\"; }; },\n"
				"  { name = \"good\"; cpus = 4;\n"
				"  boot = { kernel = \"host.conf\"; }; } );\n"),
		0);
	assert_int_equal(h.diag.n, 2);
	assert_true(th_has(
		&h, "host.conf:2: vms[0].name: judge refuses bad1 (2 cpus)",
		NULL));
	assert_true(
		th_has(&h,
		       "host.conf:4: vms[1]: plugin judge refuses VM \"big\": "
		       "8 cpus are more than judge allows",
		       NULL));
	teardown_one(NULL);
	assert_int_equal(
		th_pipeline(
			&h,
			"plugins = { load = [ \"judge\", \"virtio\" ]; };\n" VM),
		0);
}

/* no run (--check, --print): a VM of the config as --print shows it, no
   control socket, no actions; a VM it does not have is none of these */
static void run_calls_without_a_run(void **s)
{
	struct vzh_request req = { .struct_size = sizeof(req), .vm = "nosuch" };
	struct vzh_host *p;
	const char *json;

	(void)s;
	th_mode = VZH_MODE_CHECK;
	assert_int_equal(
		th_pipeline(&h, "plugins = { load = [ \"virtio\" ]; };\n" VM),
		0);
	th_mode = VZH_MODE_LIST;
	p = (struct vzh_host *)registry_find_kind(&h.reg, "entropy")->owner;
	json = core_api.machine_json(p, h.vms[0].name);
	assert_non_null(json);
	assert_non_null(strstr(json, h.vms[0].name));
	assert_null(core_api.machine_json(p, "nosuch"));
	assert_null(core_api.control_path(p, h.vms[0].name));
	assert_null(core_api.control_path(p, "nosuch"));
	assert_int_equal(core_api.vm_action(p, h.vms[0].name, VZH_ACTION_STOP,
					    NULL),
			 -EPERM);
	assert_int_equal(core_api.vm_request(p, &req), -EPERM);
	assert_int_equal(core_api.mode(p), VZH_MODE_CHECK);
}

static void registration_only_in_init(void **s)
{
	struct kind_entry *k;

	(void)s;
	assert_int_equal(
		th_pipeline(&h, "plugins = { load = [ \"virtio\" ]; };\n" VM),
		0);
	k = registry_find_kind(&h.reg, "entropy");
	assert_int_equal(core_api.register_kind((struct vzh_host *)k->owner,
						&k->ops),
			 -EPERM);
	assert_int_equal(core_api.subscribe((struct vzh_host *)k->owner,
					    VZH_EV_START, 0, (vzh_hook_fn)abort,
					    NULL),
			 -EPERM);
	assert_int_equal(core_api.validator((struct vzh_host *)k->owner,
					    (vzh_validate_fn)abort, NULL),
			 -EPERM);
	assert_int_equal(core_api.subscribe_all((struct vzh_host *)k->owner,
						(vzh_transition_fn)abort, NULL),
			 -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(third_party_plugin, teardown_one),
		cmocka_unit_test_teardown(plugin_reads_lists, teardown_one),
		cmocka_unit_test_teardown(refusals_by_set_error_at_each_entry,
					  teardown_one),
		cmocka_unit_test_teardown(plugin_settings_are_checked,
					  teardown_one),
		cmocka_unit_test_teardown(run_calls_without_a_run,
					  teardown_one),
		cmocka_unit_test_teardown(not_found_lists_directories,
					  teardown_one),
		cmocka_unit_test_teardown(not_a_plugin, teardown_one),
		cmocka_unit_test_teardown(names_are_settings_groups,
					  teardown_one),
		cmocka_unit_test_teardown(names_at_most_64, teardown_one),
		cmocka_unit_test_teardown(unloadable_files, teardown_one),
		cmocka_unit_test_teardown(bad_magic, teardown_one),
		cmocka_unit_test_teardown(constructors_of_non_plugins_never_run,
					  teardown_one),
		cmocka_unit_test_teardown(plugin_with_constructor_loads,
					  teardown_one),
		cmocka_unit_test_teardown(damaged_files_are_refused,
					  teardown_one),
		cmocka_unit_test(damaged_copies_never_crash),
		cmocka_unit_test(descriptor_at_its_sections_end),
		cmocka_unit_test_teardown(other_major_is_refused_before_init,
					  teardown_one),
		cmocka_unit_test_teardown(newer_minor_is_refused, teardown_one),
		cmocka_unit_test_teardown(short_descriptor, teardown_one),
		cmocka_unit_test_teardown(name_mismatch, teardown_one),
		cmocka_unit_test_teardown(duplicate, teardown_one),
		cmocka_unit_test_teardown(kind_clash, teardown_one),
		cmocka_unit_test_teardown(vendor_kind_taken, teardown_one),
		cmocka_unit_test_teardown(entry_without_device, teardown_one),
		cmocka_unit_test_teardown(sdk_11_and_12_plugins, teardown_one),
		cmocka_unit_test_teardown(settings_keys_declared, teardown_one),
		cmocka_unit_test_teardown(sdk_10_plugin, teardown_one),
		cmocka_unit_test_teardown(init_failure_message, teardown_one),
		cmocka_unit_test(never_unloaded_after_init),
		cmocka_unit_test_teardown(writable_files_and_dirs_are_refused,
					  teardown_one),
		cmocka_unit_test_teardown(other_owners_are_refused,
					  teardown_one),
		cmocka_unit_test_teardown(the_whole_way_is_checked,
					  teardown_one),
		cmocka_unit_test_teardown(default_loads_every_builtin,
					  teardown_one),
		cmocka_unit_test_teardown(validators_refuse_machines,
					  teardown_one),
		cmocka_unit_test_teardown(registration_only_in_init,
					  teardown_one),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, teardown_all);
}
