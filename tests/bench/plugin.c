/* plugin.c: a minimal third-party plugin, built 50 times under different names by the benchmark. */
#include <errno.h>
#include <vzhost/plugin.h>

#define STR2(x) #x
#define STR(x) STR2(x)

static const struct vzh_api *api;
static const char *const keys[] = { "label", NULL };

static int contribute(void *state, struct vzh_device *d)
{
	struct vzh_simple e = { sizeof(e), 0 };
	const char *label;

	(void)state;
	if (api->get_string(api->device_node(d), "label", "", &label) < 0)
		return -EINVAL;
	return api->emit_entropy(d, &e);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind k = { sizeof(k), 0,
					   "bench" STR(BENCH_N) ".dev", keys,
					   contribute };

	(void)settings, (void)state;
	api = a;
	return api->register_kind(h, &k);
}

VZH_PLUGIN_DEFINE("bench" STR(BENCH_N), "1.0", "benchmark plugin", "MIT", init,
		  NULL);
