/*
 * nvr-index-all.h: the index and the rows of every table, for modules that
 * use several of them.
 */
#pragma once

#include "nvr-index.h"
#include "nvr-index-audit.h"
#include "nvr-index-camera.h"
#include "nvr-index-codec-config.h"
#include "nvr-index-device.h"
#include "nvr-index-footage-dir.h"
#include "nvr-index-run.h"
#include "nvr-index-segment.h"
#include "nvr-index-session.h"
#include "nvr-index-tombstone.h"
#include "nvr-index-user.h"
#include "nvr-index-verdict.h"
