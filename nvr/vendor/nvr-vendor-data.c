#include "config.h"

#include "core/nvr-error.h"
#include "vendor/nvr-vendor-data.h"
#include "vendor/nvr-vendor-resources.h"

/* the resource is linked into a static library: register it before first use */
static GResource *
nvr_vendor_data_resource(void)
{
	static gsize once = 0;
	static GResource *resource = NULL;

	if (g_once_init_enter(&once)) {
		resource = nvr_vendor_get_resource();
		g_once_init_leave(&once, 1);
	}
	return resource;
}

/**
 * nvr_vendor_data_load_file:
 *
 * Returns: (transfer full): the file, refused if it is larger than @max_bytes
 */
GBytes *
nvr_vendor_data_load_file(const gchar *path, gsize max_bytes, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileInfo) info = NULL;
	gchar *data = NULL;
	gsize len = 0;

	info = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL,
				 NULL);
	if (info != NULL && (guint64)g_file_info_get_size(info) > max_bytes) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s: larger than %" G_GSIZE_FORMAT " bytes",
			    path, max_bytes);
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	if (len > max_bytes) { /* grew between the two calls */
		g_free(data);
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s: larger than %" G_GSIZE_FORMAT " bytes",
			    path, max_bytes);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

GBytes *
nvr_vendor_data_load_builtin(const gchar *name, GError **error)
{
	g_autofree gchar *path = g_strdup_printf(NVR_VENDOR_RESOURCE_PREFIX "/%s", name);
	GBytes *bytes = g_resource_lookup_data(nvr_vendor_data_resource(), path,
					       G_RESOURCE_LOOKUP_FLAGS_NONE, error);

	if (bytes == NULL)
		g_prefix_error(error, "built-in %s: ", name);
	return bytes;
}

/* Returns: (transfer full) (nullable): the names of the built-in files in @dir, sorted */
gchar **
nvr_vendor_data_list_builtin(const gchar *dir)
{
	g_autofree gchar *path = g_strdup_printf(NVR_VENDOR_RESOURCE_PREFIX "/%s/", dir);
	gchar **names = g_resource_enumerate_children(nvr_vendor_data_resource(), path,
						      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

	if (names != NULL)
		qsort(names, g_strv_length(names), sizeof(gchar *), (GCompareFunc)g_strcmp0);
	return names;
}

static gboolean
nvr_vendor_data_try_dir(const gchar *dir, const gchar *name, GBytes **bytes, gchar **source,
			GError **error)
{
	g_autofree gchar *path = NULL;

	if (dir == NULL)
		return FALSE;
	path = g_build_filename(dir, name, NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return FALSE;
	*bytes = nvr_vendor_data_load_file(path, NVR_VENDOR_DATA_MAX_BYTES, error);
	if (source != NULL)
		*source = g_steal_pointer(&path);
	return TRUE;
}

/**
 * nvr_vendor_data_load:
 * @name: "oui-prefixes.tsv"
 * @source: (out) (optional): the path or "built-in <name>", for messages
 *
 * Returns: (transfer full): the first copy found; a copy that exists but
 * cannot be read is an error, not a reason to fall back silently
 */
GBytes *
nvr_vendor_data_load(const gchar *name, gchar **source, GError **error)
{
	GBytes *bytes = NULL;

	if (nvr_vendor_data_try_dir(g_getenv("NVR_VENDOR_DATA_DIR"), name, &bytes, source, error) ||
	    nvr_vendor_data_try_dir(NVR_DATADIR, name, &bytes, source, error))
		return bytes;
	if (source != NULL)
		*source = g_strdup_printf("built-in %s", name);
	return nvr_vendor_data_load_builtin(name, error);
}
