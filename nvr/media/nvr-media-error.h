/*
 * nvr-media-error.h: the one error the recorder must tell apart from all
 * others: a timestamp that breaks the run. Everything else the media module
 * reports is an NVR_ERROR (PARSE for untrusted bytes, NOT_SUPPORTED for a
 * codec or layout we do not handle, INVALID_ARGUMENT for a caller's mistake).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_MEDIA_ERROR (nvr_media_error_quark())

typedef enum {
	/* a decode time did not increase: end the run (finish), start a new one */
	NVR_MEDIA_ERROR_TIME_BACKWARDS = 1,
	/* a decode time jumped forward by more than the segmenter's max-gap */
	NVR_MEDIA_ERROR_TIME_JUMP,
} NvrMediaError;

GQuark nvr_media_error_quark(void);

G_END_DECLS
