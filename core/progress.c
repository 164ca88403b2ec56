/* progress.c: progress of a long operation (a download, an install) as a bar on a terminal or a line per 10 %. */
#include "progress.h"

#include <stdio.h>
#include <string.h>

#define BAR_WIDTH 30
#define REDRAW_MS 250

/* "812 B", "48.3 MiB": one decimal from KiB on */
static void human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return;
	}
	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, units[u]);
}

/* "45s", "2m37s", "1h04m" */
static void duration(long long s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
}

void progress_format(struct progress *p, uint64_t done, long long now_ms,
		     char *buf, size_t len)
{
	long long ms = now_ms - p->start_ms;
	uint64_t moved = done > p->start_done ? done - p->start_done : 0;
	double rate = ms >= 500 ? (double)moved * 1000 / (double)ms : 0;
	char have[24], total[24], speed[24], eta[24], bar[BAR_WIDTH + 1];
	bool last;
	int pct;

	buf[0] = 0;
	if (done > p->total)
		done = p->total;
	last = done == p->total;
	pct = p->total ? (int)(done * 100 / p->total) : 100;
	if (p->tty ? !last && now_ms - p->drawn_ms < REDRAW_MS && p->drawn_ms :
		     !last && pct / 10 <= p->shown)
		return;
	p->drawn_ms = now_ms;
	p->shown = pct / 10;
	if (rate > 0 && !last)
		duration((long long)((double)(p->total - done) / rate + 0.5),
			 eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), last ? "0s" : "--");
	if (p->bytes) {
		human(done, have, sizeof(have));
		human(p->total, total, sizeof(total));
		if (rate > 0) {
			human((uint64_t)rate, speed, sizeof(speed));
			strcat(speed, "/s");
		} else {
			snprintf(speed, sizeof(speed), "--/s");
		}
	}
	if (!p->tty) {
		if (p->bytes)
			snprintf(buf, len, "%s: %d%% (%s of %s, %s, %s left)\n",
				 p->what, pct, have, total, speed, eta);
		else
			snprintf(buf, len, "%s: %d%% (%s left)\n", p->what, pct,
				 eta);
		return;
	}
	memset(bar, ' ', BAR_WIDTH);
	memset(bar, '#', (size_t)(pct * BAR_WIDTH / 100));
	bar[BAR_WIDTH] = 0;
	/* \r and erase to the end of the line: one bar, redrawn */
	if (p->bytes)
		snprintf(buf, len,
			 "\r%s [%s] %3d%%  %s of %s  %s  ETA %s\033[K%s",
			 p->what, bar, pct, have, total, speed, eta,
			 last ? "\n" : "");
	else
		snprintf(buf, len, "\r%s [%s] %3d%%  ETA %s\033[K%s", p->what,
			 bar, pct, eta, last ? "\n" : "");
}
