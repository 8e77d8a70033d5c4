/*
 * nvr-quirks.h: vendor knowledge as data (STYLE.md §17, after fwupd's
 * fu-quirks.c). Quirk files are INI-like: groups named by match IDs from
 * generic to specific, keys from one table (plus the keys plugins
 * register), every value checked at load:
 *
 *   [NET\OUI_4419B6]            a MAC block (6, 7 or 9 hex digits)
 *   [ONVIF\MFR_HIKVISION]       ONVIF Manufacturer (also &MODEL_…, &HWID_…)
 *   [HTTP\SERVER_App-webs]      HTTP Server product token (also REALM_, TITLE_)
 *   [RTSP\SERVER_Dahua Rtsp Server]
 *   [TLS\O_HIKVISION]           certificate subject O= or CN=
 *   [WSD\NAME_HIKVISION]        WS-Discovery name/ scope, first word or whole
 *   [VENDOR\hikvision]          display name, plugin, stream URL templates, restrictions
 *
 * Files load in order (built-in set, then each directory's *.quirk sorted
 * by name); a later file's value for a group and key wins. A file with an
 * error (unknown key, malformed group, bad value, a restriction without a
 * citation) is refused whole with "file:line: message"; other files still
 * load. Match IDs compare case-insensitively.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NVR_QUIRKS_FILE_MAX_BYTES (1024 * 1024)
#define NVR_QUIRKS_LINE_MAX 4096
#define NVR_QUIRKS_SYSTEM_DIR "/usr/share/nvr/quirks.d"
#define NVR_QUIRKS_ADMIN_DIR NVR_SYSCONFDIR "/quirks.d"

/* keys of the built-in table */
#define NVR_QUIRK_VENDOR "Vendor"
#define NVR_QUIRK_BRAND "Brand"
#define NVR_QUIRK_NAME "Name"
#define NVR_QUIRK_KIND "Kind"
#define NVR_QUIRK_PLUGIN "Plugin"
#define NVR_QUIRK_CONFIDENCE "Confidence"
#define NVR_QUIRK_STRENGTH "Strength"
#define NVR_QUIRK_FLAGS "Flags"
#define NVR_QUIRK_STREAM_MAIN "StreamMain"
#define NVR_QUIRK_STREAM_SUB "StreamSub"
#define NVR_QUIRK_STREAM_MAIN_ALT "StreamMainAlt"
#define NVR_QUIRK_STREAM_SUB_ALT "StreamSubAlt"
#define NVR_QUIRK_STREAM_SNAPSHOT "StreamSnapshot"
#define NVR_QUIRK_CITATION "Citation"
#define NVR_QUIRK_NOTE "Note"

#define NVR_TYPE_QUIRKS (nvr_quirks_get_type())
G_DECLARE_FINAL_TYPE(NvrQuirks, nvr_quirks, NVR, QUIRKS, GObject)

NvrQuirks *nvr_quirks_new(void);
gboolean nvr_quirks_register_key(NvrQuirks *self, const gchar *key, const gchar *owner,
				 GError **error);
gboolean nvr_quirks_load_data(NvrQuirks *self, const gchar *data, gsize len,
			      const gchar *filename, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_quirks_load_file(NvrQuirks *self, const gchar *path,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;
guint nvr_quirks_load_dir(NvrQuirks *self, const gchar *dir, GPtrArray *errors);
guint nvr_quirks_load_builtin(NvrQuirks *self, GPtrArray *errors);
guint nvr_quirks_load_default(NvrQuirks *self, const gchar *const *dirs, GPtrArray *errors);
const gchar *const *nvr_quirks_get_default_dirs(void);
guint nvr_quirks_get_n_files(NvrQuirks *self);

const gchar *nvr_quirks_lookup(NvrQuirks *self, const gchar *match_id, const gchar *key);
gboolean nvr_quirks_has_group(NvrQuirks *self, const gchar *match_id);
GPtrArray *nvr_quirks_list_groups(NvrQuirks *self, const gchar *prefix);
guint32 nvr_quirks_lookup_flags(NvrQuirks *self, const gchar *match_id);

gchar *nvr_quirks_match_id_normalize(const gchar *match_id) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_quirks_match_value(const gchar *value, gsize max) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_quirks_flags_parse(const gchar *text, guint32 *flags, gboolean *firmware,
				GError **error);

G_END_DECLS
