/*
 * notes on the stream finder
 *
 *   COLLECT (evidence, ONVIF stream URIs) -> EVALUATE (verdict) ->
 *   CANDIDATES (main, sub) -> VERIFY main candidates one by one ->
 *   VERIFY sub candidates (not the main's URL) -> done
 *
 * invariants
 *   (1) a URL is accepted only after a DESCRIBE with the credentials gave
 *       an SDP with video; the first that does wins (candidates are best
 *       first)
 *   (2) no URL in the result carries credentials: userinfo is split off,
 *       and a URL with a password in its query is not tried
 *   (3) bounded: the collector's steps have their timeouts, each DESCRIBE
 *       has its own, and all DESCRIBEs together stop at the budget
 *   (4) without a main stream there is no sub stream
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "core/nvr-url.h"
#include "discovery/nvr-rtsp-describe.h"
#include "vendor/nvr-stream-find.h"

typedef struct {
	NvrVendor *vendor;
	NvrStreamFind *out;
	GPtrArray *candidates[2]; /* (element-type NvrStreamTry): not yet tried, per kind */
	guint next;		  /* in candidates[kind] */
	NvrStreamKind kind;	  /* being verified */
	gchar *bare_host;	  /* without IPv6 brackets */
	gchar *username;
	gchar *password; /* wiped on free */
	guint channel;
	guint describe_timeout_ms;
	gint64 budget_end_us; /* monotonic; set when verification starts */
	guint budget_ms;
} NvrStreamFindJob;

static void nvr_stream_find_verify_next(GTask *task);

static void
nvr_stream_try_free(NvrStreamTry *t)
{
	g_free(t->url);
	g_free(t->method);
	g_free(t->source);
	g_free(t->outcome);
	g_free(t);
}

void
nvr_stream_find_free(NvrStreamFind *self)
{
	if (self == NULL)
		return;
	g_free(self->host);
	g_clear_object(&self->set);
	g_clear_pointer(&self->verdict, nvr_verdict_free);
	g_clear_pointer(&self->log, g_ptr_array_unref);
	g_clear_error(&self->onvif_error);
	g_ptr_array_unref(self->tried);
	g_free(self);
}

static void
nvr_stream_find_job_free(NvrStreamFindJob *job)
{
	g_object_unref(job->vendor);
	nvr_stream_find_free(job->out);
	for (guint i = 0; i < G_N_ELEMENTS(job->candidates); i++)
		g_clear_pointer(&job->candidates[i], g_ptr_array_unref);
	g_free(job->bare_host);
	g_free(job->username);
	if (job->password != NULL)
		memset(job->password, 0, strlen(job->password));
	g_free(job->password);
	g_free(job);
}

static const gchar *
nvr_stream_kind_name(NvrStreamKind kind)
{
	return kind == NVR_STREAM_MAIN ? "main" : "sub";
}

/* ---- candidates ---- */

static NvrStreamTry *
nvr_stream_try_new(NvrStreamKind kind, const gchar *url, gboolean guessed, const gchar *source)
{
	NvrStreamTry *t = g_new0(NvrStreamTry, 1);

	t->kind = kind;
	t->url = g_strdup(url);
	t->method = g_strdup(guessed ? "template" : "onvif");
	t->source = g_strdup(source);
	return t;
}

static gboolean
nvr_stream_find_has(GPtrArray *list, const gchar *url)
{
	for (guint i = 0; i < list->len; i++) {
		if (g_strcmp0(((NvrStreamTry *)g_ptr_array_index(list, i))->url, url) == 0)
			return TRUE;
	}
	return FALSE;
}

/* @url with the host the user gave: a camera behind NAT, or with two addresses,
 * tells ONVIF clients an address they cannot reach */
static gchar *
nvr_stream_find_rehost(const gchar *url, const gchar *bare_host)
{
	g_autoptr(GUri) u = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
	g_autoptr(GUri) moved = NULL;

	if (u == NULL || g_ascii_strcasecmp(g_uri_get_host(u), bare_host) == 0)
		return NULL;
	moved = g_uri_build(G_URI_FLAGS_ENCODED, g_uri_get_scheme(u), NULL, bare_host, g_uri_get_port(u),
			    g_uri_get_path(u), g_uri_get_query(u), NULL);
	return g_uri_to_string(moved);
}

static void
nvr_stream_find_add_candidate(NvrStreamFindJob *job, NvrStreamKind kind, const NvrVendorStreamUrl *c)
{
	GPtrArray *list = job->candidates[kind];
	g_autoptr(NvrStreamUrl) u = nvr_stream_url_parse(c->url, NULL);
	g_autofree gchar *scrubbed = NULL;
	g_autofree gchar *rehosted = NULL;

	if (u == NULL || list->len >= NVR_STREAM_FIND_CANDIDATES_MAX)
		return;
	scrubbed = nvr_log_scrub(u->url);
	if (g_strcmp0(scrubbed, u->url) != 0) {
		/* a password in the query cannot be kept apart from the URL: not ours to store */
		NvrStreamTry *t = nvr_stream_try_new(kind, scrubbed, c->guessed, c->source);
		t->skipped = TRUE;
		t->error_code = NVR_ERROR_NOT_SUPPORTED;
		t->outcome = g_strdup("not tried: the URL carries credentials in its query");
		g_ptr_array_add(job->out->tried, t);
		return;
	}
	if (!nvr_stream_find_has(list, u->url))
		g_ptr_array_add(list, nvr_stream_try_new(kind, u->url, c->guessed, c->source));
	rehosted = c->guessed ? NULL : nvr_stream_find_rehost(u->url, job->bare_host);
	if (rehosted != NULL && !nvr_stream_find_has(list, rehosted) &&
	    list->len < NVR_STREAM_FIND_CANDIDATES_MAX) {
		g_autofree gchar *source = g_strdup_printf("%s, with the address given", c->source);
		g_ptr_array_add(list, nvr_stream_try_new(kind, rehosted, FALSE, source));
	}
}

static void
nvr_stream_find_build_candidates(NvrStreamFindJob *job)
{
	for (NvrStreamKind kind = NVR_STREAM_MAIN; kind <= NVR_STREAM_SUB; kind++) {
		g_autoptr(GPtrArray) urls = nvr_vendor_stream_urls(job->vendor, job->out->set, job->out->verdict,
								   kind, job->channel);

		job->candidates[kind] = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_stream_try_free);
		for (guint i = 0; i < urls->len; i++)
			nvr_stream_find_add_candidate(job, kind, g_ptr_array_index(urls, i));
	}
}

/* ---- verification ---- */

static void
nvr_stream_find_describe_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	NvrStreamFindJob *job = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspDescribe) d = nvr_rtsp_describe_finish(res, &error);
	NvrStreamTry *t = g_ptr_array_index(job->out->tried, job->out->tried->len - 1);

	if (g_task_return_error_if_cancelled(task)) {
		g_object_unref(task);
		return;
	}
	if (d == NULL) {
		t->error_code = error->domain == NVR_ERROR ? error->code : NVR_ERROR_FAILED;
		t->outcome = g_strdup(error->message);
	} else {
		t->ok = TRUE;
		t->outcome = g_strdup_printf("%s video%s, %s", d->video_encoding != NULL ? d->video_encoding : "unknown",
					     d->n_audio > 0 ? " and audio" : "",
					     d->auth != NULL ? d->auth : "no auth");
		if (t->kind == NVR_STREAM_MAIN)
			job->out->main = t;
		else
			job->out->sub = t;
	}
	g_debug("stream %s %s: %s", nvr_stream_kind_name(t->kind), t->url, t->outcome);
	nvr_stream_find_verify_next(task);
}

/* the next candidate of the stream kind being verified, or the next kind */
static NvrStreamTry *
nvr_stream_find_take_next(NvrStreamFindJob *job)
{
	while (job->kind <= NVR_STREAM_SUB) {
		GPtrArray *list = job->candidates[job->kind];
		gboolean found = job->kind == NVR_STREAM_MAIN ? job->out->main != NULL : job->out->sub != NULL;

		if (found || job->next >= list->len || (job->kind == NVR_STREAM_SUB && job->out->main == NULL)) {
			job->kind++;
			job->next = 0;
			continue;
		}
		{
			NvrStreamTry *t = g_ptr_array_steal_index(list, job->next);
			if (job->kind == NVR_STREAM_SUB && g_strcmp0(t->url, job->out->main->url) == 0) {
				nvr_stream_try_free(t);
				continue;
			}
			return t;
		}
	}
	return NULL;
}

static void
nvr_stream_find_verify_next(GTask *task)
{
	NvrStreamFindJob *job = g_task_get_task_data(task);
	NvrStreamTry *t = nvr_stream_find_take_next(job);
	gint64 left_ms = (job->budget_end_us - g_get_monotonic_time()) / 1000;

	if (t != NULL && left_ms <= 0) {
		job->out->over_budget = TRUE;
		nvr_stream_try_free(t);
		t = NULL;
	}
	if (t == NULL) {
		g_task_return_pointer(task, g_steal_pointer(&job->out), (GDestroyNotify)nvr_stream_find_free);
		g_object_unref(task);
		return;
	}
	g_ptr_array_add(job->out->tried, t);
	nvr_rtsp_describe_async(t->url, job->username, job->password,
				(guint)MIN((gint64)job->describe_timeout_ms, left_ms),
				g_task_get_cancellable(task), nvr_stream_find_describe_cb, task);
}

static void
nvr_stream_find_collected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	NvrStreamFindJob *job = g_task_get_task_data(task);
	GError *error = NULL;
	const GError *onvif_error;

	job->out->set = nvr_vendor_collect_finish(res, &job->out->log, &error);
	if (job->out->set == NULL) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	onvif_error = nvr_vendor_collect_get_onvif_error(res);
	job->out->onvif_error = onvif_error != NULL ? g_error_copy(onvif_error) : NULL;
	job->out->verdict = nvr_vendor_evaluate(job->vendor, job->out->set);
	nvr_stream_find_build_candidates(job);
	job->budget_end_us = g_get_monotonic_time() + (gint64)job->budget_ms * 1000;
	nvr_stream_find_verify_next(task);
}

/**
 * nvr_stream_find_async:
 * @options: host and ports as for nvr_vendor_collect_async()
 *
 * Runs on the thread-default main context. Fails only when cancelled:
 * whether a stream was found is in the result (nvr_stream_find_check()).
 */
void
nvr_stream_find_async(NvrVendor *vendor, const NvrStreamFindOptions *options, GCancellable *cancellable,
		      GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(vendor, cancellable, callback, user_data);
	NvrStreamFindJob *job = g_new0(NvrStreamFindJob, 1);
	const gchar *host = options->collect.host;

	g_task_set_task_data(task, job, (GDestroyNotify)nvr_stream_find_job_free);
	job->vendor = g_object_ref(vendor);
	job->out = g_new0(NvrStreamFind, 1);
	job->out->host = g_strdup(host);
	job->out->tried = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_stream_try_free);
	job->out->with_credentials = options->collect.username != NULL;
	job->bare_host = host[0] == '[' ? g_strndup(host + 1, strlen(host) - 2) : g_strdup(host);
	job->username = g_strdup(options->collect.username);
	job->password = g_strdup(options->collect.password);
	job->channel = MAX(options->channel, 1u);
	job->describe_timeout_ms = options->describe_timeout_ms != 0 ? options->describe_timeout_ms
								     : NVR_RTSP_DESCRIBE_TIMEOUT_MS;
	job->budget_ms = options->budget_ms != 0 ? options->budget_ms : NVR_STREAM_FIND_BUDGET_MS;
	nvr_vendor_collect_async(vendor, &options->collect, cancellable, nvr_stream_find_collected_cb, task);
}

/**
 * nvr_stream_find_finish:
 *
 * Returns: (transfer full): what was found and tried, or NULL if cancelled
 */
NvrStreamFind *
nvr_stream_find_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- the outcome ---- */

static void
nvr_stream_find_append_tried(const NvrStreamFind *self, GString *s)
{
	for (guint i = 0; i < self->tried->len; i++) {
		const NvrStreamTry *t = g_ptr_array_index(self->tried, i);
		g_string_append_printf(s, "%s %s %s (%s): %s", i == 0 ? "" : ";", nvr_stream_kind_name(t->kind),
				       t->url, t->method, t->outcome);
	}
}

/**
 * nvr_stream_find_check:
 *
 * Returns: TRUE if a main stream was found; else FALSE and @error says
 * what was tried: NVR_ERROR_AUTH if a DESCRIBE was refused (or, with
 * nothing to try, ONVIF was), NVR_ERROR_NOT_FOUND otherwise
 */
gboolean
nvr_stream_find_check(const NvrStreamFind *self, GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	gboolean auth = FALSE;
	guint n_auth = 0, n_tried = 0;

	if (self->main != NULL)
		return TRUE;
	for (guint i = 0; i < self->tried->len; i++) {
		const NvrStreamTry *t = g_ptr_array_index(self->tried, i);
		n_tried += !t->skipped;
		n_auth += !t->ok && t->error_code == NVR_ERROR_AUTH;
	}
	auth = n_auth > 0 ||
	       (n_tried == 0 && g_error_matches(self->onvif_error, NVR_ERROR, NVR_ERROR_AUTH));
	if (auth && !self->with_credentials)
		g_string_printf(s, "the camera at %s wants a user name and password", self->host);
	else if (auth)
		g_string_printf(s, "the camera at %s refused the user name or password", self->host);
	else
		g_string_printf(s, "no working stream found at %s", self->host);
	/* the ONVIF client's messages name the operation and the URL */
	g_string_append_printf(s, "; %s", self->onvif_error != NULL ? self->onvif_error->message
								   : "ONVIF gave no stream URI");
	if (self->tried->len == 0)
		g_string_append_printf(s, "; no stream URL templates for %s",
				       self->verdict->vendor_name != NULL ? self->verdict->vendor_name
									  : "a device of unknown make");
	else
		g_string_append(s, "; tried:");
	nvr_stream_find_append_tried(self, s);
	if (self->over_budget)
		g_string_append(s, "; stopped after the time budget");
	g_set_error_literal(error, NVR_ERROR, auth ? NVR_ERROR_AUTH : NVR_ERROR_NOT_FOUND, s->str);
	return FALSE;
}

static void
nvr_stream_find_json_stream(JsonBuilder *b, const gchar *name, const NvrStreamTry *t)
{
	json_builder_set_member_name(b, name);
	if (t == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "url");
	json_builder_add_string_value(b, t->url);
	json_builder_set_member_name(b, "method");
	json_builder_add_string_value(b, t->method);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, t->source);
	json_builder_set_member_name(b, "describe");
	json_builder_add_string_value(b, t->outcome);
	json_builder_end_object(b);
}

static void
nvr_stream_find_json_tried(JsonBuilder *b, const NvrStreamFind *self)
{
	json_builder_set_member_name(b, "tried");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->tried->len; i++) {
		const NvrStreamTry *t = g_ptr_array_index(self->tried, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "stream");
		json_builder_add_string_value(b, nvr_stream_kind_name(t->kind));
		json_builder_set_member_name(b, "url");
		json_builder_add_string_value(b, t->url);
		json_builder_set_member_name(b, "method");
		json_builder_add_string_value(b, t->method);
		json_builder_set_member_name(b, "ok");
		json_builder_add_boolean_value(b, t->ok);
		json_builder_set_member_name(b, "outcome");
		json_builder_add_string_value(b, t->outcome);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/**
 * nvr_stream_find_to_json:
 *
 * Returns: (transfer full): {"streams": {"main", "sub"}, "verdict", "tried",
 * "onvif_error", "collection"}
 */
JsonNode *
nvr_stream_find_to_json(const NvrStreamFind *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "host");
	json_builder_add_string_value(b, self->host);
	json_builder_set_member_name(b, "streams");
	json_builder_begin_object(b);
	nvr_stream_find_json_stream(b, "main", self->main);
	nvr_stream_find_json_stream(b, "sub", self->sub);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "verdict");
	json_builder_add_value(b, nvr_verdict_to_json(self->verdict));
	nvr_stream_find_json_tried(b, self);
	json_builder_set_member_name(b, "onvif_error");
	if (self->onvif_error != NULL)
		json_builder_add_string_value(b, self->onvif_error->message);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "collection");
	json_builder_begin_array(b);
	for (guint i = 0; self->log != NULL && i < self->log->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(self->log, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
