/*
 * the Reolink plugin: the HTTP API's GetDevInfo, with the credentials
 * passed as query parameters that the host fills in ({user}, {password}):
 * the plugin never sees them, and the log shows only the placeholders.
 * Firmware that wants a session gets one: Login, the token, Logout.
 * Battery and Wi-Fi models that speak only Baichuan (TCP 9000) are out of
 * reach of an HTTP probe.
 */
#include "config.h"

#include "nvr-plugin-util.h"
#include "nvr-reolink-parse.h"

#define NVR_REOLINK_PATH "/api.cgi?cmd=GetDevInfo&user={user}&password={password}"
#define NVR_REOLINK_GET_DEV_INFO "[{\"cmd\":\"GetDevInfo\",\"action\":0,\"param\":{}}]"
#define NVR_REOLINK_LOGIN                                                                          \
	"[{\"cmd\":\"Login\",\"action\":0,\"param\":{\"User\":{\"Version\":\"0\","                \
	"\"userName\":\"{user}\",\"password\":\"{password}\"}}}]"
#define NVR_REOLINK_LOGOUT "[{\"cmd\":\"Logout\",\"action\":0,\"param\":{}}]"

static void
nvr_reolink_add_info(NvrPluginData *self, NvrVendorCall *call, const NvrReolinkDevInfo *info)
{
	const gchar *source = "Reolink API POST /api.cgi?cmd=GetDevInfo";

	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_FLAG_FIRMWARE,
				"reolink.model", info->model, "reolink", NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.hardware", info->hard_ver, NULL,
				NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.firmware", info->firm_ver, NULL,
				NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.type", info->type, NULL, NULL,
				source);
}

/* Returns: (transfer full) (nullable): the body of a 200 reply to a JSON POST */
static gchar *
nvr_reolink_post(NvrPluginData *self, NvrVendorCall *call, const gchar *path, const gchar *body,
		 guint32 flags, gsize *len)
{
	NvrVendorHttpReply reply = {.struct_size = sizeof(NvrVendorHttpReply)};
	g_autoptr(GError) error = NULL;
	gchar *out = NULL;

	if (!nvr_plugin_http(self->host, call, "POST", path, "application/json", body, flags, &reply,
			     &error)) {
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "%.24s: %s", path, error->message);
		return NULL;
	}
	if (reply.status == 200) {
		*len = reply.body_len;
		out = g_steal_pointer(&reply.body);
	}
	nvr_vendor_http_reply_clear(&reply);
	return out;
}

static NvrReolinkDevInfo *
nvr_reolink_ask(NvrPluginData *self, NvrVendorCall *call, const gchar *path, guint32 flags,
		gint *rsp_code)
{
	gsize len = 0;
	g_autofree gchar *body = nvr_reolink_post(self, call, path, NVR_REOLINK_GET_DEV_INFO, flags, &len);

	*rsp_code = 0;
	return body != NULL ? nvr_reolink_parse_dev_info(body, len, rsp_code, NULL) : NULL;
}

/*
 * Firmware that answers credentials in the query with "please login first"
 * wants a session: Login (credentials in the JSON body, filled in by the
 * host), GetDevInfo with the token, then Logout at once, because the camera
 * allows only a few sessions and a token must not outlive the probe (it is
 * in the request line, which logs show).
 */
static NvrReolinkDevInfo *
nvr_reolink_ask_session(NvrPluginData *self, NvrVendorCall *call)
{
	gsize len = 0;
	gint rsp_code = 0;
	g_autofree gchar *body = nvr_reolink_post(self, call, "/api.cgi?cmd=Login", NVR_REOLINK_LOGIN,
						  NVR_VENDOR_HTTP_FLAG_CREDENTIALS, &len);
	g_autofree gchar *token = body != NULL ? nvr_reolink_parse_login_token(body, len, &rsp_code, NULL) : NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *bye = NULL;
	NvrReolinkDevInfo *info;

	if (token == NULL) {
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "Login: no session (%d)", rsp_code);
		return NULL;
	}
	path = g_strdup_printf("/api.cgi?cmd=GetDevInfo&token=%s", token);
	info = nvr_reolink_ask(self, call, path, 0, &rsp_code);
	g_free(path);
	path = g_strdup_printf("/api.cgi?cmd=Logout&token=%s", token);
	bye = nvr_reolink_post(self, call, path, NVR_REOLINK_LOGOUT, 0, &len);
	return info;
}

static gboolean
nvr_reolink_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *ev,
		  GError **error)
{
	NvrPluginData *self = plugin_data;
	gint rsp_code = 0;
	g_autoptr(NvrReolinkDevInfo) info =
		nvr_reolink_ask(self, call, NVR_REOLINK_PATH, NVR_VENDOR_HTTP_FLAG_CREDENTIALS, &rsp_code);

	/* "login failed" is a wrong password: asking again would only count towards a lockout */
	if (info == NULL && rsp_code == NVR_REOLINK_RSP_LOGIN_FIRST)
		info = nvr_reolink_ask_session(self, call);
	else if (info == NULL && rsp_code == NVR_REOLINK_RSP_LOGIN_FAILED)
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "GetDevInfo: the camera refused the credentials");
	if (info != NULL)
		nvr_reolink_add_info(self, call, info);
	return TRUE;
}

static gint
nvr_reolink_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		     GError **error)
{
	const NvrVendorEvidenceItem *model = nvr_plugin_evidence_find(ev, "reolink.model");

	return nvr_plugin_match_fill(match, "reolink",
				     model != NULL ? 95 : nvr_plugin_score_passive(ev, "reolink"), model,
				     nvr_plugin_evidence_find(ev, "reolink.firmware"));
}

static const NvrVendorPluginDesc nvr_reolink_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "reolink",
	.version = "1.0.0",
	.description = "Reolink: HTTP API GetDevInfo",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_reolink_probe,
	.identify = nvr_reolink_identify,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_reolink_desc)
