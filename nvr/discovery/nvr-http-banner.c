#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "nvr-discovery-text.h"
#include "nvr-http-banner.h"
#include "nvr-http-fetch.h"

/* a header value is looked at only this far; challenges and parameters are counted */
#define NVR_HTTP_HEADER_MAX 8192
#define NVR_HTTP_CHALLENGES_MAX 16
#define NVR_HTTP_PARAMS_MAX 32
#define NVR_HTTP_TITLE_MAX 1024

void
nvr_http_challenge_free(NvrHttpChallenge *self)
{
	if (self == NULL)
		return;
	g_free(self->scheme);
	g_free(self->realm);
	g_free(self);
}

void
nvr_http_banner_free(NvrHttpBanner *self)
{
	if (self == NULL)
		return;
	g_free(self->reason);
	g_free(self->server);
	g_free(self->location);
	g_ptr_array_unref(self->challenges);
	g_free(self->title);
	g_free(self->tls_subject);
	g_free(self->tls_issuer);
	g_free(self);
}

/* RFC 7230 tchar */
static gboolean
nvr_http_is_tchar(gchar c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 7235 token68, without its trailing '=' padding */
static gboolean
nvr_http_is_token68_char(gchar c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("-._~+/", c) != NULL);
}

static void
nvr_http_skip_ws(const gchar **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Returns: (transfer full): the token at *@p (possibly empty); *@p moves past it */
static gchar *
nvr_http_read_token(const gchar **p)
{
	const gchar *start = *p;

	while (nvr_http_is_tchar(**p))
		(*p)++;
	return g_strndup(start, (gsize)(*p - start));
}

/* Returns: (transfer full): a quoted-string's content; an unterminated one runs to the end */
static gchar *
nvr_http_read_quoted(const gchar **p)
{
	GString *out = g_string_new(NULL);

	(*p)++; /* the opening quote */
	while (**p != '\0' && **p != '"') {
		if (**p == '\\' && (*p)[1] != '\0')
			(*p)++;
		g_string_append_c(out, **p);
		(*p)++;
	}
	if (**p == '"')
		(*p)++;
	return g_string_free(out, FALSE);
}

/*
 * reads the auth-params (or token68) after a scheme, up to the next
 * challenge; returns the realm if there was one
 */
static gchar *
nvr_http_read_params(const gchar **pp)
{
	const gchar *p = *pp;
	g_autofree gchar *realm = NULL;
	gboolean after_comma = FALSE;
	guint n = 0;

	while (*p != '\0' && n < NVR_HTTP_PARAMS_MAX) {
		const gchar *start;
		const gchar *q;
		g_autofree gchar *name = NULL;

		nvr_http_skip_ws(&p);
		if (*p == ',') {
			p++;
			after_comma = TRUE;
			continue;
		}
		if (*p == '\0')
			break;
		start = p;
		name = nvr_http_read_token(&p);
		if (name[0] == '\0') { /* not a token: step over the junk */
			p++;
			continue;
		}
		q = p;
		nvr_http_skip_ws(&q);
		if (*q == '=' && q[1] != '=') { /* name = value */
			g_autofree gchar *value = NULL;
			q++;
			nvr_http_skip_ws(&q);
			value = *q == '"' ? nvr_http_read_quoted(&q) : nvr_http_read_token(&q);
			p = q;
			if (realm == NULL && g_ascii_strcasecmp(name, "realm") == 0)
				realm = g_steal_pointer(&value);
			n++;
			continue;
		}
		if (n == 0 && !after_comma) { /* token68 right after the scheme */
			p = start;
			while (nvr_http_is_token68_char(*p))
				p++;
			while (*p == '=')
				p++;
			n++;
			continue;
		}
		p = start; /* a bare token after a comma starts the next challenge */
		break;
	}
	*pp = p;
	return g_steal_pointer(&realm);
}

/**
 * nvr_http_challenges_parse:
 * @value: one WWW-Authenticate header value, untrusted
 * @challenges: (element-type NvrHttpChallenge): where to append
 *
 * Parses "Digest realm="a", nonce="b", Basic realm="c"" into two
 * challenges. Junk is stepped over, never a reason to fail: a camera's
 * odd header still gives what can be read from it.
 *
 * Returns: how many challenges were appended
 */
guint
nvr_http_challenges_parse(const gchar *value, GPtrArray *challenges)
{
	g_autofree gchar *bounded = NULL;
	const gchar *p;
	guint n = 0;

	if (value == NULL)
		return 0;
	bounded = g_strndup(value, NVR_HTTP_HEADER_MAX);
	p = bounded;
	while (*p != '\0' && challenges->len < NVR_HTTP_CHALLENGES_MAX) {
		g_autofree gchar *scheme = NULL;
		g_autofree gchar *realm = NULL;
		NvrHttpChallenge *ch;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		scheme = nvr_http_read_token(&p);
		if (scheme[0] == '\0') {
			if (*p != '\0')
				p++;
			continue;
		}
		realm = nvr_http_read_params(&p);
		ch = g_new0(NvrHttpChallenge, 1);
		ch->scheme = nvr_discovery_text_clean(scheme, -1, 64);
		ch->realm = nvr_discovery_text_clean(realm, -1, NVR_DISCOVERY_TEXT_MAX);
		g_ptr_array_add(challenges, ch);
		n++;
	}
	return n;
}

/* Returns: the first case-insensitive @needle in @hay[0..len), or NULL */
static const gchar *
nvr_http_find_ci(const gchar *hay, gsize len, const gchar *needle)
{
	gsize nlen = strlen(needle);

	for (gsize i = 0; i + nlen <= len; i++) {
		if (g_ascii_strncasecmp(hay + i, needle, nlen) == 0)
			return hay + i;
	}
	return NULL;
}

/* the character references a title may use; others stay as written */
static gsize
nvr_http_decode_entity(const gchar *p, gsize len, GString *out)
{
	static const struct {
		const gchar *name;
		const gchar *text;
	} named[] = {{"&amp;", "&"},  {"&lt;", "<"},  {"&gt;", ">"},  {"&quot;", "\""},
		     {"&apos;", "'"}, {"&#39;", "'"}, {"&nbsp;", " "}};
	const gchar *semi = memchr(p, ';', MIN(len, 12));

	for (guint i = 0; i < G_N_ELEMENTS(named); i++) {
		gsize nlen = strlen(named[i].name);
		if (len >= nlen && g_ascii_strncasecmp(p, named[i].name, nlen) == 0) {
			g_string_append(out, named[i].text);
			return nlen;
		}
	}
	if (semi != NULL && len > 2 && p[1] == '#') {
		gboolean hex = p[2] == 'x' || p[2] == 'X';
		g_autofree gchar *digits =
			g_strndup(p + (hex ? 3 : 2), (gsize)(semi - p) - (hex ? 3 : 2));
		guint64 cp = 0;
		if (g_ascii_string_to_unsigned(digits, hex ? 16 : 10, 1, 0x10ffff, &cp, NULL) &&
		    g_unichar_validate((gunichar)cp)) {
			g_string_append_unichar(out, (gunichar)cp);
			return (gsize)(semi - p) + 1;
		}
	}
	g_string_append_c(out, '&');
	return 1;
}

/**
 * nvr_http_title_parse:
 * @body: the start of an HTML page, untrusted, any encoding
 *
 * Returns: (transfer full) (nullable): the first <title>'s text, entities
 * decoded, cleaned and at most NVR_DISCOVERY_TEXT_MAX bytes
 */
gchar *
nvr_http_title_parse(const gchar *body, gsize len)
{
	const gchar *open;
	const gchar *start;
	const gchar *end;
	g_autoptr(GString) text = g_string_new(NULL);

	if (body == NULL)
		return NULL;
	len = MIN(len, (gsize)NVR_HTTP_BANNER_BODY_MAX);
	open = nvr_http_find_ci(body, len, "<title");
	/* the body need not end in NUL: look no further than len */
	if (open == NULL || (gsize)(open - body) + 6 >= len ||
	    (open[6] != '>' && !g_ascii_isspace(open[6])))
		return NULL;
	start = memchr(open, '>', len - (gsize)(open - body));
	if (start == NULL)
		return NULL;
	start++;
	end = nvr_http_find_ci(start, len - (gsize)(start - body), "</title");
	if (end == NULL)
		end = body + len;
	end = MIN(end, start + NVR_HTTP_TITLE_MAX);
	for (const gchar *p = start; p < end;) {
		if (*p == '&')
			p += nvr_http_decode_entity(p, (gsize)(end - p), text);
		else
			g_string_append_c(text, *p++);
	}
	return nvr_discovery_text_clean(text->str, (gssize)text->len, NVR_DISCOVERY_TEXT_MAX);
}

static gchar *
nvr_http_banner_header(SoupMessageHeaders *headers, const gchar *name, gsize max)
{
	return nvr_discovery_text_clean(soup_message_headers_get_one(headers, name), -1, max);
}

static NvrHttpBanner *
nvr_http_banner_from_reply(NvrHttpReply *reply)
{
	NvrHttpBanner *self = g_new0(NvrHttpBanner, 1);
	SoupMessageHeadersIter iter;
	const gchar *name;
	const gchar *value;
	gsize len = 0;
	const gchar *body = g_bytes_get_data(reply->body, &len);

	self->status = reply->status;
	self->reason = g_strdup(reply->reason);
	self->server = nvr_http_banner_header(reply->headers, "Server", NVR_DISCOVERY_TEXT_MAX);
	self->location = nvr_http_banner_header(reply->headers, "Location", NVR_DISCOVERY_URL_MAX);
	self->challenges = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);
	soup_message_headers_iter_init(&iter, reply->headers);
	while (soup_message_headers_iter_next(&iter, &name, &value)) {
		if (g_ascii_strcasecmp(name, "WWW-Authenticate") == 0)
			nvr_http_challenges_parse(value, self->challenges);
	}
	self->title = nvr_http_title_parse(body, len);
	if (reply->peer_certificate != NULL) {
		g_autofree gchar *subject =
			g_tls_certificate_get_subject_name(reply->peer_certificate);
		g_autofree gchar *issuer =
			g_tls_certificate_get_issuer_name(reply->peer_certificate);
		self->tls_subject = nvr_discovery_text_clean(subject, -1, NVR_HTTP_BANNER_DN_MAX);
		self->tls_issuer = nvr_discovery_text_clean(issuer, -1, NVR_HTTP_BANNER_DN_MAX);
	}
	return self;
}

typedef struct {
	gchar *where; /* the URL, redacted, for messages */
} NvrHttpBannerProbe;

static void
nvr_http_banner_probe_free(NvrHttpBannerProbe *probe)
{
	g_free(probe->where);
	g_free(probe);
}

static void
nvr_http_banner_fetch_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	NvrHttpBannerProbe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(NvrHttpReply) reply = nvr_http_fetch_finish(res, &error);

	if (reply == NULL) {
		g_prefix_error(&error, "HTTP banner of %s: ", probe->where);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, nvr_http_banner_from_reply(reply),
			      (GDestroyNotify)nvr_http_banner_free);
}

static gboolean
nvr_http_banner_url_ok(const gchar *url, GError **error)
{
	g_autoptr(GUri) uri =
		g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

	if (uri == NULL || g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0' ||
	    (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
	     g_strcmp0(g_uri_get_scheme(uri), "https") != 0)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "banner URL must be http(s)://HOST[:PORT]/PATH");
		return FALSE;
	}
	if (g_uri_get_userinfo(uri) != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "banner probes are unauthenticated: no credentials in the URL");
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_http_banner_probe_async:
 * @url: e.g. "http://192.0.2.10/" or "https://192.0.2.10:8443/doc/page/login.asp"
 * @method: (nullable): "GET" (the default) or "HEAD"
 * @timeout_ms: for the whole exchange
 *
 * One unauthenticated request; redirects are reported, not followed; any
 * certificate is accepted and described. Any HTTP status is a banner.
 */
void
nvr_http_banner_probe_async(const gchar *url, const gchar *method, guint timeout_ms,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	NvrHttpBannerProbe *probe = g_new0(NvrHttpBannerProbe, 1);
	g_autoptr(SoupSession) session = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	GError *error = NULL;

	g_task_set_source_tag(task, nvr_http_banner_probe_async);
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, probe, (GDestroyNotify)nvr_http_banner_probe_free);
	if (!nvr_http_banner_url_ok(url, &error)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	probe->where = nvr_log_redact_uri(url);
	session = nvr_http_session_new(timeout_ms);
	msg = soup_message_new(method != NULL ? method : SOUP_METHOD_GET, url);
	if (msg == NULL) {
		g_task_return_new_error(task, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
					"cannot make a request for %s", probe->where);
		g_object_unref(task);
		return;
	}
	nvr_http_fetch_async(session, msg, NVR_HTTP_BANNER_BODY_MAX, NVR_HTTP_FETCH_TRUNCATE,
			     timeout_ms, cancellable, nvr_http_banner_fetch_cb, task);
}

/* Returns: (transfer full): what the server said, whatever its status */
NvrHttpBanner *
nvr_http_banner_probe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
