/*
 * nvr-test-nvrd.h: an installation under test, for the end-to-end daemon
 * tests: nvr-fakecam cameras c1..cN added with nvrctl to a fresh state dir,
 * nvrd started and stopped (or killed) on it, the fault control interface
 * of nvr-fakecam, and what the index and nvrctl say afterwards.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "nvr-test-common.h"

G_BEGIN_DECLS

/* 1 in an AddressSanitizer build: heavy tests run a shorter variant there */
#if defined(__SANITIZE_ADDRESS__)
#define NVR_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NVR_TEST_SANITIZED 1
#endif
#endif
#ifndef NVR_TEST_SANITIZED
#define NVR_TEST_SANITIZED 0
#endif

typedef struct {
	gchar *dir;
	gchar *state;
	gchar *pass;	    /* the owner passphrase file */
	gchar *conf;	    /* nvrd's configuration file */
	guint n_cameras;    /* named c1 .. cN, fakecam cameras 1 .. N */
	NvrTestProc *fakecam;
	gchar *control;	    /* fakecam's control URL, ending in '/' */
	NvrTestProc *nvrd;  /* NULL while stopped */
} NvrTestNvrd;

/* one row of the index's segments table, with its codec configuration */
typedef struct {
	gint64 id;
	gint64 run_id;
	gchar status[16];
	gint64 start_us;
	gint64 end_us;
	gint64 frames;
	gint64 media_start;
	gint64 media_duration;
	gint64 file_len;
	gint64 header_len;
	gint64 width;
	gint64 height;
} NvrTestSegment;

/* one row of the index's runs table */
typedef struct {
	gint64 id;
	gint64 start_us;
	gint64 end_us; /* 0 while open */
	gchar end_reason[32];
} NvrTestRun;

NvrTestNvrd *
nvr_test_nvrd_new(guint n_cameras, const gchar *config, const gchar *const *fakecam_args);
NvrTestNvrd *
nvr_test_nvrd_new_for_urls(const gchar *const *urls, const gchar *config);
void
nvr_test_nvrd_free(NvrTestNvrd *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrTestNvrd, nvr_test_nvrd_free)

void
nvr_test_nvrd_start(NvrTestNvrd *fx);
void
nvr_test_nvrd_spawn_with_env(NvrTestNvrd *fx, const gchar *const *env);
void
nvr_test_nvrd_start_with_env(NvrTestNvrd *fx, const gchar *const *env);
gint
nvr_test_nvrd_stop(NvrTestNvrd *fx, gint signum);
gchar *
nvr_test_nvrd_wait_line(NvrTestNvrd *fx, const gchar *prefix, guint timeout_s);
void
nvr_test_nvrd_wait_recording(NvrTestNvrd *fx, guint timeout_s);
gboolean
nvr_test_nvrd_try_wait_recording(NvrTestNvrd *fx, guint timeout_s);

gint
nvr_test_nvrd_run(gchar **out, gchar **err, const gchar *first, ...) G_GNUC_NULL_TERMINATED;
const gchar *
nvr_test_nvrd_ctl_path(void);
JsonObject *
nvr_test_nvrd_parse_object(const gchar *text);
gchar *
nvr_test_nvrd_iso(gint64 us);
JsonObject *
nvr_test_nvrd_recordings(NvrTestNvrd *fx, const gchar *camera);
void
nvr_test_nvrd_assert_verify_deep(NvrTestNvrd *fx);
JsonObject *
nvr_test_nvrd_export(NvrTestNvrd *fx, const gchar *camera, gint64 start_us, gint64 end_us,
		     const gchar *out);

JsonObject *
nvr_test_nvrd_fault(NvrTestNvrd *fx, guint camera, const gchar *action);
JsonObject *
nvr_test_nvrd_camera_stats(NvrTestNvrd *fx, guint camera);
JsonObject *
nvr_test_nvrd_health(NvrTestNvrd *fx);

GArray *
nvr_test_nvrd_segments(NvrTestNvrd *fx, const gchar *camera);
GArray *
nvr_test_nvrd_runs(NvrTestNvrd *fx, const gchar *camera);
gint64
nvr_test_nvrd_query_int(NvrTestNvrd *fx, const gchar *sql, gint64 arg1, gint64 arg2);

G_END_DECLS
