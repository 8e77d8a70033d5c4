#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "vendor/nvr-url-template.h"

static const gchar *const nvr_url_template_schemes[] = {"rtsp://{host}", "rtsps://{host}",
							"http://{host}", "https://{host}", NULL};

static gboolean
nvr_url_template_fail(GError **error, const gchar *tmpl, const gchar *why)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "URL template '%s': %s", tmpl, why);
	return FALSE;
}

/* the placeholder at @p (just after '{'); Returns: its length up to '}' or 0 */
static gsize
nvr_url_template_placeholder(const gchar *p)
{
	static const gchar *const names[] = {"host}", "port}", "http_port}", "ch}", "ch:02}", "ch0}"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_str_has_prefix(p, names[i]))
			return strlen(names[i]);
	}
	return 0;
}

gboolean
nvr_url_template_check(const gchar *tmpl, GError **error)
{
	gboolean scheme_ok = FALSE;
	const gchar *path, *slash, *at;

	if (strlen(tmpl) > NVR_URL_TEMPLATE_MAX)
		return nvr_url_template_fail(error, tmpl, "too long");
	for (guint i = 0; nvr_url_template_schemes[i] != NULL; i++)
		scheme_ok |= g_str_has_prefix(tmpl, nvr_url_template_schemes[i]);
	if (!scheme_ok)
		return nvr_url_template_fail(error, tmpl,
					     "must start with rtsp://{host}, rtsps://, http:// or https://");
	path = strstr(tmpl, "{host}") + strlen("{host}");
	slash = strchr(path, '/');
	at = strchr(tmpl, '@');
	if (at != NULL && (slash == NULL || at < slash))
		return nvr_url_template_fail(error, tmpl, "credentials do not belong in a template");
	for (const gchar *p = tmpl; *p != '\0'; p++) {
		gsize n;
		if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f)
			return nvr_url_template_fail(error, tmpl, "spaces or non-ASCII characters");
		if (*p == '}')
			return nvr_url_template_fail(error, tmpl, "unbalanced '}'");
		if (*p != '{')
			continue;
		n = nvr_url_template_placeholder(p + 1);
		if (n == 0)
			return nvr_url_template_fail(error, tmpl, "unknown placeholder");
		p += n;
	}
	return TRUE;
}

/* Returns: (transfer full): the URL */
gchar *
nvr_url_template_expand(const gchar *tmpl, const NvrUrlTemplateVars *vars, GError **error)
{
	GString *out;
	guint ch = MAX(vars->channel, 1u);

	if (!nvr_url_template_check(tmpl, error))
		return NULL;
	if (vars->host == NULL || vars->host[0] == '\0' || strpbrk(vars->host, "/@?# ") != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "no usable host");
		return NULL;
	}
	out = g_string_new(NULL);
	for (const gchar *p = tmpl; *p != '\0'; p++) {
		if (*p != '{') {
			g_string_append_c(out, *p);
			continue;
		}
		if (g_str_has_prefix(p, "{host}"))
			g_string_append(out, vars->host);
		else if (g_str_has_prefix(p, "{port}"))
			g_string_append_printf(out, "%u", vars->rtsp_port != 0 ? vars->rtsp_port : 554);
		else if (g_str_has_prefix(p, "{http_port}"))
			g_string_append_printf(out, "%u", vars->http_port != 0 ? vars->http_port : 80);
		else if (g_str_has_prefix(p, "{ch:02}"))
			g_string_append_printf(out, "%02u", ch);
		else if (g_str_has_prefix(p, "{ch0}"))
			g_string_append_printf(out, "%u", ch - 1);
		else
			g_string_append_printf(out, "%u", ch);
		p = strchr(p, '}');
	}
	return g_string_free(out, FALSE);
}
