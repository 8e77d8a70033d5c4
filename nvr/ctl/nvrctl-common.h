/*
 * nvrctl-common.h: what every nvrctl command group shares: one-line
 * errors (JSON with --json), option parsing, the index of a state dir.
 */
#pragma once

#include <glib.h>

#include <json-glib/json-glib.h>

#include "index/nvr-index-all.h"

G_BEGIN_DECLS

#define NVRCTL_INDEX_NAME "nvr.db"

gint
nvrctl_fail(gboolean json, const GError *error, gint status);
gboolean
nvrctl_parse_options(gint *argc, gchar ***argv, const GOptionEntry *entries, const gchar *usage,
		     GError **error);
/* ISO 8601 with a zone ("2026-11-28T14:00:00Z") or Unix seconds */
gboolean
nvrctl_parse_time(const gchar *text, gint64 *us, GError **error);
/* "2026-11-28T14:00:00Z" */
gchar *
nvrctl_format_time(gint64 us);
gchar *
nvrctl_format_size(guint64 bytes);
NvrIndex *
nvrctl_open_index(const gchar *state_dir, GError **error);
gchar *
nvrctl_read_secret_file(const gchar *path, GError **error);
void
nvrctl_print_json_camera(const NvrIndexCamera *camera);
void
nvrctl_print_json_cameras(GPtrArray *cameras);
void
nvrctl_print_json_ok(void);
void
nvrctl_print_json_node(JsonNode *node);
JsonNode *
nvrctl_camera_to_json(const NvrIndexCamera *camera);

G_END_DECLS
