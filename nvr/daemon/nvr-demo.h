/*
 * nvr-demo.h: the built-in demo. nvrd --demo starts nvr-fakecam with a mix
 * of personas (a Hikvision- and a Dahua-made camera among them, so the
 * restricted-vendor warnings show) and hands each simulated camera to the
 * daemon as it is announced.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* one "camera N key=value ..." line of nvr-fakecam */
typedef struct {
	guint number;
	gchar *persona;
	gchar *rtsp_url;
	gchar *sub_url;
	gchar *onvif_url;
	gchar *http_url;
	gchar *control_url;
} NvrDemoCamera;

void
nvr_demo_camera_free(NvrDemoCamera *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrDemoCamera, nvr_demo_camera_free)

NvrDemoCamera *
nvr_demo_camera_parse(const gchar *line, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef void (*NvrDemoCameraFunc)(NvrDemoCamera *camera, gpointer user_data);

#define NVR_TYPE_DEMO (nvr_demo_get_type())
G_DECLARE_FINAL_TYPE(NvrDemo, nvr_demo, NVR, DEMO, GObject)

NvrDemo *
nvr_demo_new(const gchar *fakecam_path, const gchar *state_dir);
gboolean
nvr_demo_start(NvrDemo *self, NvrDemoCameraFunc func, gpointer user_data, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void
nvr_demo_stop(NvrDemo *self);
gchar *
nvr_demo_find_fakecam(const gchar *argv0);

G_END_DECLS
