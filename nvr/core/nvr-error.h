/*
 * nvr-error.h: the one error domain of nvr. Codes name what went wrong in
 * the world (a camera, a disk, a client), not where in the code.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_ERROR (nvr_error_quark())

/* values are stable: they appear in --json output as "code" */
typedef enum {
	NVR_ERROR_FAILED = 1,	     /* nothing more specific fits */
	NVR_ERROR_INVALID_ARGUMENT,  /* the caller (user, client, config) gave a bad value */
	NVR_ERROR_NOT_FOUND,	     /* no such camera, file, row, key */
	NVR_ERROR_EXISTS,	     /* already there */
	NVR_ERROR_IO,		     /* read, write, fsync, rename failed */
	NVR_ERROR_CORRUPT,	     /* stored data does not verify or parse */
	NVR_ERROR_VERSION,	     /* written by a newer nvr, or an unknown format version */
	NVR_ERROR_PERMISSION,	     /* mode, owner or role forbids it */
	NVR_ERROR_NOT_SUPPORTED,     /* a codec, feature or protocol we do not handle */
	NVR_ERROR_TIMEOUT,	     /* a peer did not answer in time */
	NVR_ERROR_AUTH,		     /* wrong password, passphrase or credentials */
	NVR_ERROR_BUSY,		     /* locked by another process, or in use */
	NVR_ERROR_NO_SPACE,	     /* the disk or a budget is full */
	NVR_ERROR_PARSE,	     /* untrusted bytes did not parse */
	NVR_ERROR_PLUGIN,	     /* a vendor plugin failed or broke its contract */
	NVR_ERROR_CANCELLED,	     /* stopped on request */
	NVR_ERROR_LAST
} NvrError;

GQuark
nvr_error_quark(void);
const gchar *
nvr_error_code_to_string(gint code);
gboolean
nvr_error_from_errno(GError **error, gint errsv, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS
