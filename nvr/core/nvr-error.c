#include "config.h"

#include <errno.h>

#include "nvr-error.h"

G_DEFINE_QUARK(nvr-error-quark, nvr_error)

const gchar *
nvr_error_code_to_string(gint code)
{
	static const gchar *names[] = {
	    [NVR_ERROR_FAILED] = "failed",
	    [NVR_ERROR_INVALID_ARGUMENT] = "invalid-argument",
	    [NVR_ERROR_NOT_FOUND] = "not-found",
	    [NVR_ERROR_EXISTS] = "exists",
	    [NVR_ERROR_IO] = "io",
	    [NVR_ERROR_CORRUPT] = "corrupt",
	    [NVR_ERROR_VERSION] = "version",
	    [NVR_ERROR_PERMISSION] = "permission",
	    [NVR_ERROR_NOT_SUPPORTED] = "not-supported",
	    [NVR_ERROR_TIMEOUT] = "timeout",
	    [NVR_ERROR_AUTH] = "auth",
	    [NVR_ERROR_BUSY] = "busy",
	    [NVR_ERROR_NO_SPACE] = "no-space",
	    [NVR_ERROR_PARSE] = "parse",
	    [NVR_ERROR_PLUGIN] = "plugin",
	    [NVR_ERROR_CANCELLED] = "cancelled",
	};
	if (code <= 0 || code >= NVR_ERROR_LAST)
		return "unknown";
	return names[code];
}

static gint
nvr_error_code_from_errno(gint errsv)
{
	switch (errsv) {
	case ENOENT:
	case ENOTDIR:
		return NVR_ERROR_NOT_FOUND;
	case EEXIST:
		return NVR_ERROR_EXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
		return NVR_ERROR_PERMISSION;
	case ENOSPC:
	case EDQUOT:
		return NVR_ERROR_NO_SPACE;
	case EBUSY:
	case EAGAIN:
		return NVR_ERROR_BUSY;
	case EINVAL:
		return NVR_ERROR_INVALID_ARGUMENT;
	case ETIMEDOUT:
		return NVR_ERROR_TIMEOUT;
	default:
		return NVR_ERROR_IO;
	}
}

/* sets @error from errno with a caller-supplied prefix; always returns FALSE */
gboolean
nvr_error_from_errno(GError **error, gint errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *what = NULL;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error,
		    NVR_ERROR,
		    nvr_error_code_from_errno(errsv),
		    "%s: %s",
		    what,
		    g_strerror(errsv));
	return FALSE;
}
