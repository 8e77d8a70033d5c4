#include "config.h"

#include "fakecam/nvr-fakecam-mount-points.h"

struct _NvrFakecamMountPoints {
	GstRTSPMountPoints parent_instance;
	const NvrFakecamDevice *dev; /* immutable; the camera outlives its mounts */
};

G_DEFINE_TYPE(NvrFakecamMountPoints, nvr_fakecam_mount_points, GST_TYPE_RTSP_MOUNT_POINTS)

/* DESCRIBE looks its media up through here (SETUP through the client) */
static gchar *
nvr_fakecam_mount_points_make_path(GstRTSPMountPoints *mounts, const GstRTSPUrl *url)
{
	NvrFakecamMountPoints *self = NVR_FAKECAM_MOUNT_POINTS(mounts);
	const gchar *abspath = url->abspath != NULL && url->abspath[0] != '\0' ? url->abspath : "/";

	return nvr_fakecam_device_normalize_path(self->dev, abspath, url->query);
}

static void
nvr_fakecam_mount_points_class_init(NvrFakecamMountPointsClass *klass)
{
	GST_RTSP_MOUNT_POINTS_CLASS(klass)->make_path = nvr_fakecam_mount_points_make_path;
}

static void
nvr_fakecam_mount_points_init(NvrFakecamMountPoints *self)
{
}

NvrFakecamMountPoints *
nvr_fakecam_mount_points_new(const NvrFakecamDevice *dev)
{
	NvrFakecamMountPoints *self = g_object_new(NVR_TYPE_FAKECAM_MOUNT_POINTS, NULL);

	self->dev = dev;
	return self;
}
