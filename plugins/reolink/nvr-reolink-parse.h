/*
 * nvr-reolink-parse.h: Reolink's HTTP API, POST /api.cgi?cmd=GetDevInfo:
 * a JSON array of command results, [{"cmd":"GetDevInfo","code":0,
 * "value":{"DevInfo":{...}}}]; errors come as HTTP 200 with code 1 and
 * error.rspCode (-6 please login first, -7 login failed). Firmware that
 * wants a session answers -6 to credentials in the query: POST
 * /api.cgi?cmd=Login gives a token to use instead.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_REOLINK_REPLY_MAX (64 * 1024)
#define NVR_REOLINK_TOKEN_MAX 64
#define NVR_REOLINK_RSP_LOGIN_FIRST (-6)
#define NVR_REOLINK_RSP_LOGIN_FAILED (-7)

typedef struct {
	gchar *model;	 /* "RLC-510A" */
	gchar *hard_ver; /* "IPC_523128M5MP" */
	gchar *firm_ver;
	gchar *type; /* "IPC", "NVR" */
	gchar *serial;
	gchar *name;
	gint channels;
} NvrReolinkDevInfo;

void nvr_reolink_dev_info_free(NvrReolinkDevInfo *self);
NvrReolinkDevInfo *nvr_reolink_parse_dev_info(const gchar *data, gsize len, gint *rsp_code,
					      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_reolink_parse_login_token(const gchar *data, gsize len, gint *rsp_code,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrReolinkDevInfo, nvr_reolink_dev_info_free)

G_END_DECLS
