#include "config.h"

#include <stdio.h>
#include <string.h>

#include "nvr-log.h"

/**
 * nvr_log_redact_uri:
 * @uri: a URL as configured, possibly with credentials
 *
 * Returns: (transfer full): @uri without user info, query or fragment;
 * some cameras take user= and password= in the query, so the query goes too
 */
gchar *
nvr_log_redact_uri(const gchar *uri)
{
	g_autoptr(GUri) u = NULL;

	if (uri == NULL)
		return g_strdup("(null)");
	u = g_uri_parse(uri, G_URI_FLAGS_PARSE_RELAXED, NULL);
	if (u == NULL)
		return g_strdup("<unparsable uri>");
	return g_uri_to_string_partial(u,
				       G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY |
					   G_URI_HIDE_FRAGMENT);
}

static gboolean
nvr_log_is_scheme_char(gchar c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
}

/* drops the userinfo of every "scheme://userinfo@" in @s, in place */
static void
nvr_log_scrub_userinfo(GString *s)
{
	for (gsize i = 0; i + 3 <= s->len; i++) {
		gsize start, at;

		if (strncmp(s->str + i, "://", 3) != 0 || i == 0 ||
		    !nvr_log_is_scheme_char(s->str[i - 1]))
			continue;
		start = i + 3;
		for (at = start; at < s->len; at++) {
			gchar c = s->str[at];
			if (c == '@' || c == '/' || c == ' ' || c == '\n' || c == '"' || c == '\'')
				break;
		}
		if (at < s->len && s->str[at] == '@') {
			g_string_erase(s, start, at - start + 1);
			g_string_insert(s, start, "***@");
		}
	}
}

/* replaces the value after any "password=", "passwd=", "pwd=", "pass=" */
static void
nvr_log_scrub_params(GString *s)
{
	static const gchar *keys[] = {"password=", "passwd=", "pwd=", "pass=", "token="};

	for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
		gsize klen = strlen(keys[k]);
		for (gsize i = 0; i + klen <= s->len; i++) {
			gsize end;
			if (g_ascii_strncasecmp(s->str + i, keys[k], klen) != 0)
				continue;
			i += klen;
			for (end = i; end < s->len; end++) {
				gchar c = s->str[end];
				if (c == '&' || c == ' ' || c == '\n' || c == '"' || c == ';')
					break;
			}
			g_string_erase(s, i, end - i);
			g_string_insert(s, i, "***");
		}
	}
}

/**
 * nvr_log_scrub:
 * @message: any text about to be logged
 *
 * Returns: (transfer full): @message with URL credentials and password
 * parameters replaced by "***"
 */
gchar *
nvr_log_scrub(const gchar *message)
{
	GString *s = g_string_new(message != NULL ? message : "");

	nvr_log_scrub_userinfo(s);
	nvr_log_scrub_params(s);
	return g_string_free(s, FALSE);
}

static gboolean nvr_log_verbose = FALSE;

static GLogWriterOutput
nvr_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	const gchar *domain = NULL;
	const gchar *message = NULL;
	g_autofree gchar *clean = NULL;
	g_autofree gchar *stamp = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0 && !nvr_log_verbose)
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	clean = nvr_log_scrub(message);
	stamp = g_date_time_format(now, "%H:%M:%S.%f");
	fprintf(stderr,
		"%.12s %s %s: %s\n",
		stamp,
		(level & G_LOG_LEVEL_ERROR)	 ? "ERROR"
		: (level & G_LOG_LEVEL_CRITICAL) ? "CRITICAL"
		: (level & G_LOG_LEVEL_WARNING)	 ? "WARNING"
		: (level & G_LOG_LEVEL_MESSAGE)	 ? "MESSAGE"
		: (level & G_LOG_LEVEL_INFO)	 ? "INFO"
						 : "DEBUG",
		domain != NULL ? domain : "nvr",
		clean);
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

/**
 * nvr_log_install:
 * @verbose: also print info and debug messages
 *
 * Routes every GLib log message of the process through the scrubbing
 * writer. G_MESSAGES_DEBUG also turns on verbose output.
 */
void
nvr_log_install(gboolean verbose)
{
	nvr_log_verbose = verbose || g_getenv("G_MESSAGES_DEBUG") != NULL;
	g_log_set_writer_func(nvr_log_writer, NULL, NULL);
}
