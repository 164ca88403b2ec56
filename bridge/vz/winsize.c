/* winsize.c: a guest display's window in points: its pixels over the screen's scale, within the screen's visible frame. */
#include "plan.h"

void vz_window_points(unsigned px_w, unsigned px_h, double scale, double max_w,
		      double max_h, double *w, double *h)
{
	double k = 1;

	/* (a Retina screen has two pixels a point: a 1920x1200 display is
	   960x600 points there, pixel for pixel) */
	if (!px_w || !px_h) {
		px_w = VZ_WINDOW_DEFAULT_W;
		px_h = VZ_WINDOW_DEFAULT_H;
	}
	if (scale < 1)
		scale = 1;
	*w = px_w / scale;
	*h = px_h / scale;
	/* larger than the screen: shrunk whole, the aspect kept */
	if (max_w > 0 && *w > max_w)
		k = max_w / *w;
	if (max_h > 0 && *h * k > max_h)
		k = max_h / *h;
	*w *= k;
	*h *= k;
}
