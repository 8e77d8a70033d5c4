/*
 * notes on footage directories
 *
 * A footage dir is trusted only through its meta file. The dangerous case
 * is an unmounted USB disk: its mount point is an empty directory on the SD
 * card, and recording into it would fill the SD card. So:
 *   (1) a meta file is created only on first use, when the index knows no
 *       footage uuid for this dir and the dir is empty;
 *   (2) once the index knows the uuid, a missing or different meta file is
 *       an error ("is the disk mounted?"), never a reason to start afresh;
 *   (3) a meta file naming another database is refused: two nvr instances
 *       never share or overwrite each other's footage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "nvr-footage.h"

struct _NvrFootage {
	GObject parent_instance;
	gchar *path;	       /* immutable */
	gchar *uuid;	       /* immutable */
	gchar *database_uuid;  /* immutable */
	gint lock_fd;
};

G_DEFINE_TYPE(NvrFootage, nvr_footage, G_TYPE_OBJECT)

static gboolean
nvr_footage_dir_is_empty(const gchar *path, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	const gchar *name;

	if (dir == NULL)
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		/* a fresh ext4 file system has lost+found */
		if (g_strcmp0(name, "lost+found") != 0)
			return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_footage_write_meta(const gchar *meta_path,
		       const gchar *uuid,
		       const gchar *database_uuid,
		       GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *created = g_date_time_format_iso8601(now);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_key_file_set_integer(kf, "nvr-footage", "format", NVR_FOOTAGE_FORMAT);
	g_key_file_set_string(kf, "nvr-footage", "footage-uuid", uuid);
	g_key_file_set_string(kf, "nvr-footage", "database-uuid", database_uuid);
	g_key_file_set_string(kf, "nvr-footage", "created", created);
	data = g_key_file_to_data(kf, &len, NULL);
	return nvr_file_write_atomic(meta_path, (const guint8 *)data, len, 0644, error);
}

static gboolean
nvr_footage_read_meta(NvrFootage *self, const gchar *meta_path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	gint64 format;

	if (!g_key_file_load_from_file(kf, meta_path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%s: %s", meta_path, error_local->message);
		return FALSE;
	}
	format = g_key_file_get_int64(kf, "nvr-footage", "format", NULL);
	if (format != NVR_FOOTAGE_FORMAT) {
		g_set_error(error,
			    NVR_ERROR,
			    format > NVR_FOOTAGE_FORMAT ? NVR_ERROR_VERSION : NVR_ERROR_CORRUPT,
			    "%s: unsupported format %" G_GINT64_FORMAT,
			    meta_path,
			    format);
		return FALSE;
	}
	self->uuid = g_key_file_get_string(kf, "nvr-footage", "footage-uuid", NULL);
	self->database_uuid = g_key_file_get_string(kf, "nvr-footage", "database-uuid", NULL);
	if (self->uuid == NULL || !g_uuid_string_is_valid(self->uuid) ||
	    self->database_uuid == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%s: missing or bad uuids", meta_path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_footage_init_meta(NvrFootage *self, const gchar *meta_path, const gchar *database_uuid, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	if (!nvr_footage_dir_is_empty(self->path, &error_local)) {
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_EXISTS,
			    "%s holds files but no %s; refusing to record into it",
			    self->path,
			    NVR_FOOTAGE_META_NAME);
		return FALSE;
	}
	self->uuid = g_uuid_string_random();
	self->database_uuid = g_strdup(database_uuid);
	return nvr_footage_write_meta(meta_path, self->uuid, database_uuid, error);
}

/**
 * nvr_footage_open:
 * @expected_footage_uuid: the uuid the index recorded for this dir, or
 *   NULL on first use (then an empty dir gets a new meta file)
 *
 * Returns: (transfer full): the footage dir, or NULL when it is missing,
 * unmounted, foreign or of a newer format
 */
NvrFootage *
nvr_footage_open(const gchar *path,
		 const gchar *database_uuid,
		 const gchar *expected_footage_uuid,
		 GError **error)
{
	g_autoptr(NvrFootage) self = g_object_new(NVR_TYPE_FOOTAGE, NULL);
	g_autofree gchar *meta_path = g_build_filename(path, NVR_FOOTAGE_META_NAME, NULL);

	self->path = g_strdup(path);
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "footage dir %s does not exist", path);
		return NULL;
	}
	if (!g_file_test(meta_path, G_FILE_TEST_EXISTS)) {
		if (expected_footage_uuid != NULL) {
			g_set_error(error,
				    NVR_ERROR,
				    NVR_ERROR_NOT_FOUND,
				    "footage dir %s has no %s: is the disk mounted?",
				    path,
				    NVR_FOOTAGE_META_NAME);
			return NULL;
		}
		if (!nvr_footage_init_meta(self, meta_path, database_uuid, error))
			return NULL;
		return g_steal_pointer(&self);
	}
	if (!nvr_footage_read_meta(self, meta_path, error))
		return NULL;
	if (g_strcmp0(self->database_uuid, database_uuid) != 0) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_PERMISSION,
			    "footage dir %s belongs to another nvr database",
			    path);
		return NULL;
	}
	if (expected_footage_uuid != NULL && g_strcmp0(self->uuid, expected_footage_uuid) != 0) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_PERMISSION,
			    "footage dir %s holds another disk than the one recorded",
			    path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/* one recorder per footage dir */
gboolean
nvr_footage_lock(NvrFootage *self, GError **error)
{
	g_autofree gchar *lock_path = g_build_filename(self->path, "nvr-footage.lock", NULL);

	if (self->lock_fd >= 0)
		return TRUE;
	self->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->lock_fd < 0)
		return nvr_error_from_errno(error, errno, "footage dir %s", self->path);
	if (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		close(self->lock_fd);
		self->lock_fd = -1;
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_BUSY,
			    "footage dir %s is in use by another nvrd",
			    self->path);
		return FALSE;
	}
	return TRUE;
}

const gchar *
nvr_footage_get_path(NvrFootage *self)
{
	return self->path;
}

const gchar *
nvr_footage_get_uuid(NvrFootage *self)
{
	return self->uuid;
}

gchar *
nvr_footage_dup_camera_dir(NvrFootage *self, const gchar *camera_uuid)
{
	return g_build_filename(self->path, camera_uuid, NULL);
}

gchar *
nvr_footage_dup_segment_path(NvrFootage *self, const gchar *camera_uuid, gint64 segment_id)
{
	g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".nvre", segment_id);

	return g_build_filename(self->path, camera_uuid, name, NULL);
}

/* "1234.nvre" -> 1234; anything else (temp files, junk) is not a segment */
gboolean
nvr_footage_parse_segment_name(const gchar *name, gint64 *segment_id)
{
	g_autofree gchar *digits = NULL;
	guint64 v = 0;

	if (!g_str_has_suffix(name, ".nvre"))
		return FALSE;
	digits = g_strndup(name, strlen(name) - strlen(".nvre"));
	if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXINT64, &v, NULL))
		return FALSE;
	*segment_id = (gint64)v;
	return TRUE;
}

/* a new camera dir must survive a power cut before its first segment row does */
gboolean
nvr_footage_ensure_camera_dir(NvrFootage *self, const gchar *camera_uuid, GError **error)
{
	g_autofree gchar *dir = nvr_footage_dup_camera_dir(self, camera_uuid);

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (g_mkdir(dir, 0700) != 0 && errno != EEXIST)
		return nvr_error_from_errno(error, errno, "create %s", dir);
	return nvr_file_fsync_dir(self->path, error);
}

gboolean
nvr_footage_get_space(NvrFootage *self, guint64 *free_bytes, guint64 *total_bytes, GError **error)
{
	struct statvfs st;

	if (statvfs(self->path, &st) != 0)
		return nvr_error_from_errno(error, errno, "statvfs %s", self->path);
	if (free_bytes != NULL)
		*free_bytes = (guint64)st.f_bavail * st.f_frsize;
	if (total_bytes != NULL)
		*total_bytes = (guint64)st.f_blocks * st.f_frsize;
	return TRUE;
}

static void
nvr_footage_finalize(GObject *object)
{
	NvrFootage *self = NVR_FOOTAGE(object);

	if (self->lock_fd >= 0)
		close(self->lock_fd);
	g_free(self->path);
	g_free(self->uuid);
	g_free(self->database_uuid);
	G_OBJECT_CLASS(nvr_footage_parent_class)->finalize(object);
}

static void
nvr_footage_class_init(NvrFootageClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_footage_finalize;
}

static void
nvr_footage_init(NvrFootage *self)
{
	self->lock_fd = -1;
}
