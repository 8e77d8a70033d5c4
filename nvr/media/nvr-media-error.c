#include "config.h"

#include "nvr-media-error.h"

G_DEFINE_QUARK(nvr - media - error - quark, nvr_media_error)
