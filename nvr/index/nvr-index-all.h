/*
 * nvr-index-all.h: the index and the rows of every table, for modules that
 * use several of them.
 */
#pragma once

#include "nvr-index.h"
#include "nvr-index-camera.h"
