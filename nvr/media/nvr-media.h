/*
 * nvr-media.h: the media module in one include. See the notes atop
 * nvr-media-segmenter.c.
 */
#pragma once

#include "nvr-media-au.h"
#include "nvr-media-codec.h"
#include "nvr-media-error.h"
#include "nvr-media-export.h"
#include "nvr-media-fragment.h"
#include "nvr-media-gop-index.h"
#include "nvr-media-init.h"
#include "nvr-media-segmenter.h"
#include "nvr-media-track.h"
