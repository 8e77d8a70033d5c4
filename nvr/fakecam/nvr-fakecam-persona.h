/*
 * nvr-fakecam-persona.h: what makes a simulated camera look like a given
 * vendor's (banners, realms, ONVIF identity, MAC prefix, stream paths), and
 * the identity of one simulated device built from it. Values come from
 * shared/reference/identification-signals.md; see nvr/fakecam/README.md for
 * which ones are documented there and which are only plausible.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	NVR_FAKECAM_PERSONA_HIKVISION,
	NVR_FAKECAM_PERSONA_DAHUA,
	NVR_FAKECAM_PERSONA_AMCREST,
	NVR_FAKECAM_PERSONA_AXIS,
	NVR_FAKECAM_PERSONA_REOLINK,
	NVR_FAKECAM_PERSONA_GENERIC,
	NVR_FAKECAM_PERSONA_LAST
} NvrFakecamPersonaId;

typedef struct {
	NvrFakecamPersonaId id;
	const gchar *name;	   /* as on the command line */
	const gchar *manufacturer; /* ONVIF GetDeviceInformation */
	const gchar *model;
	const gchar *firmware;
	const gchar *hardware_id;
	const gchar *oui;	  /* 6 hex digits; NULL: a locally administered MAC */
	const gchar *http_server; /* HTTP Server header; NULL: none */
	const gchar *rtsp_server; /* RTSP Server header */
	const gchar *main_path;	  /* RTSP mount of the main stream */
	const gchar *sub_path;	  /* of the sub stream; NULL: derived (Axis) */
	const gchar *const *mount_query_keys; /* query parameters that select a mount */
	const gchar *media_service;	      /* ONVIF media XAddr path */
	const gchar *profile_tokens[2];	      /* main, sub */
	const gchar *snapshot_path;	      /* what GetSnapshotUri names */
	const gchar *name_scope;	      /* WS-Discovery name/ scope, URI-escaped */
	const gchar *extra_scopes;	      /* more WS-Discovery scopes */
	const gchar *title;		      /* of the HTML page at / */
	guint not_authorized_status;	      /* HTTP status of ter:NotAuthorized */
	gboolean dahua_soap;		      /* Dahua's envelope prolog and namespaces */
} NvrFakecamPersona;

const NvrFakecamPersona *
nvr_fakecam_persona_lookup(const gchar *name);
const NvrFakecamPersona *
nvr_fakecam_persona_get(NvrFakecamPersonaId id);

/*
 * NvrFakecamDevice: everything one simulated camera tells the world about
 * itself. Built once by the camera when its ports are known; read by the
 * ONVIF, WS-Discovery and vendor API code, which never change it.
 */
typedef struct {
	const NvrFakecamPersona *persona;
	guint index;	 /* 1-based camera number */
	guint8 mac[6];
	gchar *mac_colon; /* "44:19:b6:3a:00:01" */
	gchar *mac_hex;	  /* "4419B63A0001" */
	gchar *serial;
	gchar *uuid; /* endpoint reference, without "urn:uuid:" */
	gchar *http_realm;
	gchar *rtsp_realm;
	gchar *main_path;
	gchar *sub_path;
	gchar *address; /* bound address, e.g. "127.0.0.1" */
	gchar *host;	/* as in URLs, e.g. "127.0.0.1" or "[::1]" */
	guint rtsp_port;
	guint http_port;
	gchar *user;
	gchar *password; /* NULL: no authentication anywhere */
	guint width[2];	 /* main, sub */
	guint height[2];
	guint fps;
	guint bitrate[2];
} NvrFakecamDevice;

NvrFakecamDevice *
nvr_fakecam_device_new(const NvrFakecamPersona *persona, guint index, guint sub_width,
		       guint sub_height);
void
nvr_fakecam_device_free(NvrFakecamDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrFakecamDevice, nvr_fakecam_device_free)

gchar *
nvr_fakecam_device_rtsp_url(const NvrFakecamDevice *dev, guint stream);
gchar *
nvr_fakecam_device_onvif_stream_url(const NvrFakecamDevice *dev, guint stream);
gchar *
nvr_fakecam_device_http_url(const NvrFakecamDevice *dev, const gchar *path);
gchar *
nvr_fakecam_device_scopes(const NvrFakecamDevice *dev);
gchar *
nvr_fakecam_device_normalize_path(const NvrFakecamDevice *dev,
				  const gchar *abspath,
				  const gchar *query);
gboolean
nvr_fakecam_str_equal_ct(const gchar *a, const gchar *b);

G_END_DECLS
