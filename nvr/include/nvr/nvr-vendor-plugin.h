/*
 * nvr-vendor-plugin.h: the vendor plugin ABI of nvr (installed; pkg-config
 * name nvr-vendor-plugin). Everything in this file is ABI: fields are only
 * ever appended to a struct (minor bump); anything else is a major bump.
 *
 * A plugin is a shared module that exports exactly one symbol,
 * nvr_vendor_plugin_get_desc() (use NVR_VENDOR_PLUGIN_DEFINE). It links
 * GLib (and whatever parser it needs), never nvr itself: the host passes
 * its services in (NvrVendorHost). Plugins never open sockets; they ask
 * the host for HTTP exchanges, which the host bounds in time and size and
 * authenticates with the credentials the user gave.
 *
 * Every struct starts with its size (and the top-level ones with the ABI
 * version): a host reads a field only when the struct is large enough to
 * hold it, and a plugin built against an older header keeps working.
 *
 * Threads: the host calls one plugin from one thread at a time; probe()
 * may run on a worker thread and block in http_request().
 *
 * Plugin developer guide: plugins/SDK.md in the nvr source tree.
 */
#pragma once

#include <glib.h>
#include <gmodule.h>

G_BEGIN_DECLS

#define NVR_VENDOR_ABI_MAJOR 1 /* host refuses any other major */
#define NVR_VENDOR_ABI_MINOR 0 /* host accepts plugin minor <= its own */

#define NVR_VENDOR_PLUGIN_SYMBOL "nvr_vendor_plugin_get_desc"

/* limits the host enforces on what a plugin returns */
#define NVR_VENDOR_STRING_MAX 256 /* vendor, brand, model, firmware, evidence values */
#define NVR_VENDOR_URL_MAX 2048	  /* stream URLs */

typedef enum {
	NVR_VENDOR_FLAG_NONE = 0,
	NVR_VENDOR_FLAG_ENTITY_LIST = 1 << 0, /* listed by a government restriction list */
	NVR_VENDOR_FLAG_NO_SUBSTREAM = 1 << 1,
	NVR_VENDOR_FLAG_DIGEST_AUTH = 1 << 2,
	NVR_VENDOR_FLAG_COVERED_LIST = 1 << 3,
	NVR_VENDOR_FLAG_NDAA_889 = 1 << 4,
	NVR_VENDOR_FLAG_NETWORK_GEAR = 1 << 5, /* its OUIs are mostly phones and routers */
} NvrVendorFlags;

typedef enum {
	NVR_STREAM_MAIN = 0,
	NVR_STREAM_SUB = 1,
	NVR_STREAM_SNAPSHOT = 2,
} NvrStreamKind;

/* the signal classes of identification-signals.md §1; independent of each other */
typedef enum {
	NVR_EVIDENCE_CLASS_VENDOR_API = 0,	   /* ISAPI deviceInfo, magicBox, VAPIX, GetDevInfo */
	NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL = 1, /* SADP, Baichuan */
	NVR_EVIDENCE_CLASS_ONVIF = 2,		   /* GetDeviceInformation */
	NVR_EVIDENCE_CLASS_WSD = 3,		   /* WS-Discovery scopes */
	NVR_EVIDENCE_CLASS_TLS = 4,		   /* certificate subject */
	NVR_EVIDENCE_CLASS_OUI = 5,		   /* MAC address prefix */
	NVR_EVIDENCE_CLASS_HTTP_BANNER = 6,	   /* Server header, realm, title */
	NVR_EVIDENCE_CLASS_RTSP_BANNER = 7,	   /* RTSP Server header */
	NVR_EVIDENCE_CLASS_PORT_PATTERN = 8,	   /* open ports, a vendor path that works */
	NVR_EVIDENCE_CLASS_LAST
} NvrEvidenceClass;

typedef enum {
	NVR_EVIDENCE_STRENGTH_NONE = 0, /* a fact that points at no vendor (serial, firmware) */
	NVR_EVIDENCE_STRENGTH_WEAK = 1,
	NVR_EVIDENCE_STRENGTH_MEDIUM = 2,
	NVR_EVIDENCE_STRENGTH_STRONG = 3,
} NvrEvidenceStrength;

typedef enum {
	NVR_EVIDENCE_FLAG_NONE = 0,
	NVR_EVIDENCE_FLAG_FIRMWARE = 1 << 0, /* proves the firmware family, not just a label */
} NvrEvidenceFlags;

/* one piece of evidence; strings borrowed for the duration of a call */
typedef struct {
	guint32 struct_size;
	guint32 klass;	    /* NvrEvidenceClass */
	guint32 strength;   /* NvrEvidenceStrength */
	guint32 flags;	    /* NvrEvidenceFlags */
	const gchar *key;   /* "isapi.model", "onvif.manufacturer": [a-z0-9._-] */
	const gchar *value; /* as the device said it, cleaned */
	const gchar *vendor; /* nullable: vendor key it points to ("dahua"), the maker */
	const gchar *brand;  /* nullable: brand key on the label ("amcrest") */
	const gchar *source; /* where it came from; the host adds the URL to plugin evidence */
} NvrVendorEvidenceItem;

/* what is known about a device; any string may be NULL; borrowed for the duration of a call */
typedef struct {
	guint32 struct_size;
	guint32 n_items;
	guint32 http_port; /* 0 if unknown */
	guint32 rtsp_port; /* 0 if unknown (554 is the usual default) */
	const gchar *host; /* "192.0.2.10" or "[2001:db8::10]" */
	const gchar *mac;  /* "AA:BB:CC:DD:EE:FF" */
	const gchar *oui;  /* "AABBCC" (the registered prefix, 6, 7 or 9 digits) */
	const gchar *onvif_manufacturer;
	const gchar *onvif_model;
	const gchar *onvif_firmware;
	const gchar *onvif_hardware_id;
	const gchar *onvif_serial;
	const gchar *http_server; /* HTTP Server: header */
	const gchar *http_realm;  /* WWW-Authenticate realm */
	const gchar *http_title;
	const gchar *tls_subject;
	const gchar *rtsp_server;	    /* RTSP Server: header */
	const gchar *const *match_ids;	    /* NULL-terminated, generic -> specific */
	const NvrVendorEvidenceItem *const *items; /* n_items, everything collected so far */
} NvrVendorEvidence;

/* pre-filled by the host from quirk data; a plugin may refine it (g_free + g_strdup) */
typedef struct {
	guint32 struct_size;
	guint32 flags;	    /* NvrVendorFlags */
	guint32 confidence; /* 0..100 */
	guint32 _reserved0;
	gchar *vendor_id; /* "hikvision"; g_free()d by the host */
	gchar *brand;
	gchar *model;
	gchar *firmware;
} NvrVendorMatch;

typedef enum {
	NVR_VENDOR_HTTP_AUTH_NONE = 0,
	NVR_VENDOR_HTTP_AUTH_DEVICE = 1, /* Digest or Basic as the device asks, with the user's credentials */
} NvrVendorHttpAuth;

typedef enum {
	NVR_VENDOR_HTTP_FLAG_NONE = 0,
	/* the host replaces {user} and {password} in the path (URI-escaped) and the body
	 * (JSON-escaped for a JSON body, else URI-escaped); the plugin never sees them */
	NVR_VENDOR_HTTP_FLAG_CREDENTIALS = 1 << 0,
} NvrVendorHttpFlags;

typedef struct {
	guint32 struct_size;
	guint32 auth;	    /* NvrVendorHttpAuth */
	guint32 timeout_ms; /* 0: host default; clamped to the host's maximum */
	guint32 max_body;   /* 0: host default; clamped to the host's maximum */
	guint32 flags;	    /* NvrVendorHttpFlags */
	guint32 _reserved0;
	const gchar *method;	   /* "GET" or "POST" */
	const gchar *path;	   /* "/ISAPI/System/deviceInfo", with query; no scheme or host */
	const gchar *content_type; /* of the body, nullable */
	const gchar *body;	   /* nullable */
	gsize body_len;
} NvrVendorHttpRequest;

typedef struct {
	guint32 struct_size;
	guint32 status;	     /* HTTP status */
	gchar *body;	     /* NUL-terminated (may contain NULs); free with nvr_vendor_http_reply_clear() */
	gsize body_len;
	gchar *content_type; /* nullable */
} NvrVendorHttpReply;

/* a call in progress (one device); valid only during the callback it is passed to */
typedef struct _NvrVendorCall NvrVendorCall;

/* host services: plugins link GLib only, nothing from the daemon */
typedef struct {
	guint32 abi_major;
	guint32 abi_minor;
	guint32 struct_size;
	guint32 _reserved0;
	gpointer host_data;
	void (*log)(gpointer host_data, GLogLevelFlags level, const gchar *message);
	/* Returns: (transfer full) (nullable): a quirk value for a match ID, g_free() it */
	gchar *(*quirk_dup)(gpointer host_data, const gchar *match_id, const gchar *key);
	/* one HTTP exchange with the device of @call; FALSE + @error on a network failure or
	 * timeout; any HTTP status is a reply. Initialise @reply with
	 * { .struct_size = sizeof(*reply) } and clear it with nvr_vendor_http_reply_clear() */
	gboolean (*http_request)(NvrVendorCall *call, const NvrVendorHttpRequest *request,
				 NvrVendorHttpReply *reply, GError **error);
	/* records evidence for the device of @call; the host checks and copies the item */
	gboolean (*evidence_add)(NvrVendorCall *call, const NvrVendorEvidenceItem *item,
				 GError **error);
	/* since 1.1: append here */
	gpointer _reserved[8];
} NvrVendorHost;

typedef struct {
	/* header: fixed forever */
	guint32 abi_major;   /* NVR_VENDOR_ABI_MAJOR at build time */
	guint32 abi_minor;   /* NVR_VENDOR_ABI_MINOR at build time */
	guint32 struct_size; /* sizeof(NvrVendorPluginDesc) at build time */
	guint32 _reserved0;
	const gchar *name;	   /* equals the plugins/<name>/ directory: [a-z0-9-] */
	const gchar *version;
	const gchar *description;
	const gchar *license;	       /* SPDX identifier */
	const gchar *const *quirk_keys; /* plugin-specific quirk keys, NULL-terminated, nullable */

	/* lifecycle, all optional */
	gboolean (*init)(const NvrVendorHost *host, gpointer *plugin_data, GError **error);
	void (*finalize)(gpointer plugin_data);

	/* asks the device's own API (through host->http_request) and adds what it learns
	 * (host->evidence_add); FALSE + @error only for a plugin failure: a device that does
	 * not answer, answers 404 or answers garbage is no failure, just no evidence */
	gboolean (*probe)(gpointer plugin_data, NvrVendorCall *call,
			  const NvrVendorEvidence *evidence, GError **error);

	/* returns 0..100 (how sure the device is this plugin's firmware family), or -1 with
	 * @error set; may refine @match */
	gint (*identify)(gpointer plugin_data, const NvrVendorEvidence *evidence,
			 NvrVendorMatch *match, GError **error);

	/* appends newly allocated URLs (no credentials), best first, to @urls */
	gboolean (*build_stream_urls)(gpointer plugin_data, const NvrVendorEvidence *evidence,
				      const NvrVendorMatch *match, NvrStreamKind kind,
				      guint channel, GPtrArray *urls, GError **error);

	/* since 1.1 callbacks go here; the host reads them only if struct_size covers them */
	gpointer _reserved[8];
} NvrVendorPluginDesc;

typedef const NvrVendorPluginDesc *(*NvrVendorPluginGetDescFunc)(void);

#define NVR_VENDOR_PLUGIN_DEFINE(desc)                                                  \
	G_MODULE_EXPORT const NvrVendorPluginDesc *nvr_vendor_plugin_get_desc(void);    \
	const NvrVendorPluginDesc *nvr_vendor_plugin_get_desc(void)                     \
	{                                                                               \
		return &(desc);                                                         \
	}

static inline void
nvr_vendor_http_reply_clear(NvrVendorHttpReply *reply)
{
	g_clear_pointer(&reply->body, g_free);
	g_clear_pointer(&reply->content_type, g_free);
	reply->body_len = 0;
	reply->status = 0;
}

/* the ABI header of every versioned struct; see also tests/vendor/test-vendor-abi.c */
G_STATIC_ASSERT(G_STRUCT_OFFSET(NvrVendorPluginDesc, abi_major) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(NvrVendorPluginDesc, abi_minor) == 4);
G_STATIC_ASSERT(G_STRUCT_OFFSET(NvrVendorPluginDesc, struct_size) == 8);
G_STATIC_ASSERT(G_STRUCT_OFFSET(NvrVendorHost, struct_size) == 8);

G_END_DECLS
