#include "config.h"

#include <string.h>

#include "fakecam/nvr-fakecam-persona.h"

static const gchar *const nvr_fakecam_no_keys[] = {NULL};
static const gchar *const nvr_fakecam_dahua_keys[] = {"channel", "subtype", NULL};
static const gchar *const nvr_fakecam_axis_keys[] = {"resolution", NULL};

/* see nvr/fakecam/README.md for the provenance of each value */
static const NvrFakecamPersona nvr_fakecam_personas[] = {
    {
	.id = NVR_FAKECAM_PERSONA_HIKVISION,
	.name = "hikvision",
	.manufacturer = "HIKVISION",
	.model = "DS-2CD2143G2-I",
	.firmware = "V5.7.3 build 220112",
	.hardware_id = "88",
	.oui = "4419B6",
	.http_server = "App-webs/",
	.rtsp_server = "Rtsp Server/3.0", /* no distinctive one is known: a bland one */
	.main_path = "/Streaming/Channels/101",
	.sub_path = "/Streaming/Channels/102",
	.mount_query_keys = nvr_fakecam_no_keys,
	.media_service = "/onvif/Media",
	.profile_tokens = {"Profile_1", "Profile_2"},
	.snapshot_path = "/onvif-http/snapshot?Profile_1",
	.name_scope = "HIKVISION%20DS-2CD2143G2-I",
	.extra_scopes = "onvif://www.onvif.org/type/video_encoder "
			"onvif://www.onvif.org/location/city/hangzhou",
	.title = "login",
	.not_authorized_status = 401,
    },
    {
	.id = NVR_FAKECAM_PERSONA_DAHUA,
	.name = "dahua",
	.manufacturer = "Dahua",
	.model = "IPC-HDW2431T-AS-S2",
	.firmware = "2.800.0000000.25.R, Build Date 2021-06-23",
	.hardware_id = "1.00",
	.oui = "3CEF8C",
	.http_server = NULL,
	.rtsp_server = "Dahua Rtsp Server",
	.main_path = "/cam/realmonitor?channel=1&subtype=0",
	.sub_path = "/cam/realmonitor?channel=1&subtype=1",
	.mount_query_keys = nvr_fakecam_dahua_keys,
	.media_service = "/onvif/media_service",
	.profile_tokens = {"MediaProfile00000", "MediaProfile00001"},
	.snapshot_path = "/onvifsnapshot/media_service/snapshot?channel=1&subtype=0",
	.name_scope = "Dahua",
	.extra_scopes = "onvif://www.onvif.org/location/country/china "
			"onvif://www.onvif.org/type/Network_Video_Transmitter "
			"onvif://www.onvif.org/extension/unique_identifier",
	.title = "WEB SERVICE",
	.not_authorized_status = 400,
	.dahua_soap = TRUE,
    },
    {
	.id = NVR_FAKECAM_PERSONA_AMCREST,
	.name = "amcrest",
	.manufacturer = "Amcrest",
	.model = "IP4M-1041B",
	.firmware = "V2.800.00AC003.0.R, Build Date 2020-12-14",
	.hardware_id = "1.00",
	.oui = "9C8ECD",
	.http_server = NULL,
	.rtsp_server = "Dahua Rtsp Server", /* Dahua firmware */
	.main_path = "/cam/realmonitor?channel=1&subtype=0",
	.sub_path = "/cam/realmonitor?channel=1&subtype=1",
	.mount_query_keys = nvr_fakecam_dahua_keys,
	.media_service = "/onvif/media_service",
	.profile_tokens = {"MediaProfile00000", "MediaProfile00001"},
	.snapshot_path = "/onvifsnapshot/media_service/snapshot?channel=1&subtype=0",
	.name_scope = "Amcrest",
	.extra_scopes = "onvif://www.onvif.org/location/country/china "
			"onvif://www.onvif.org/type/Network_Video_Transmitter "
			"onvif://www.onvif.org/extension/unique_identifier",
	.title = "WEB SERVICE",
	.not_authorized_status = 400,
	.dahua_soap = TRUE,
    },
    {
	.id = NVR_FAKECAM_PERSONA_AXIS,
	.name = "axis",
	.manufacturer = "AXIS",
	.model = "M3045-V",
	.firmware = "10.12.114",
	.hardware_id = "757",
	.oui = "ACCC8E",
	.http_server = "Apache",
	.rtsp_server = "Rtsp Server/2.0",
	.main_path = "/axis-media/media.amp",
	.sub_path = NULL, /* ?resolution=<sub size> */
	.mount_query_keys = nvr_fakecam_axis_keys,
	.media_service = "/onvif/services",
	.profile_tokens = {"profile_1_h264", "profile_2_h264"},
	.snapshot_path = "/axis-cgi/jpg/image.cgi",
	.name_scope = "AXIS%20M3045-V",
	.extra_scopes = "onvif://www.onvif.org/type/video_encoder "
			"onvif://www.onvif.org/location/",
	.title = "AXIS",
	.not_authorized_status = 400,
    },
    {
	.id = NVR_FAKECAM_PERSONA_REOLINK,
	.name = "reolink",
	.manufacturer = "Reolink",
	.model = "RLC-510A",
	.firmware = "v3.1.0.1162_22083001",
	.hardware_id = "IPC_523128M5MP",
	.oui = "EC71DB",
	.http_server = "nginx",
	.rtsp_server = "Rtsp Server/2.0",
	.main_path = "/h264Preview_01_main",
	.sub_path = "/h264Preview_01_sub",
	.mount_query_keys = nvr_fakecam_no_keys,
	.media_service = "/onvif/media_service",
	.profile_tokens = {"000", "001"},
	.snapshot_path = "/cgi-bin/api.cgi?cmd=Snap&channel=0",
	.name_scope = "RLC-510A",
	.extra_scopes = "onvif://www.onvif.org/type/NetworkVideoTransmitter",
	.title = "Reolink",
	.not_authorized_status = 400,
    },
    {
	.id = NVR_FAKECAM_PERSONA_GENERIC,
	.name = "generic",
	.manufacturer = "IPCAM",
	.model = "IPC-100",
	.firmware = "V1.0.0",
	.hardware_id = "IPC-1.0",
	.oui = NULL,
	.http_server = "lighttpd/1.4.59",
	.rtsp_server = "Rtsp Server/2.0",
	.main_path = "/stream1",
	.sub_path = "/stream2",
	.mount_query_keys = nvr_fakecam_no_keys,
	.media_service = "/onvif/media_service",
	.profile_tokens = {"profile_1", "profile_2"},
	.snapshot_path = "/snapshot.jpg",
	.name_scope = "IPCAM",
	.extra_scopes = "onvif://www.onvif.org/type/NetworkVideoTransmitter",
	.title = "IPCAM",
	.not_authorized_status = 400,
    },
};

G_STATIC_ASSERT(G_N_ELEMENTS(nvr_fakecam_personas) == NVR_FAKECAM_PERSONA_LAST);

/* Returns: (nullable): the persona called @name */
const NvrFakecamPersona *
nvr_fakecam_persona_lookup(const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_fakecam_personas); i++) {
		if (g_ascii_strcasecmp(name, nvr_fakecam_personas[i].name) == 0)
			return &nvr_fakecam_personas[i];
	}
	return NULL;
}

const NvrFakecamPersona *
nvr_fakecam_persona_get(NvrFakecamPersonaId id)
{
	g_return_val_if_fail(id < NVR_FAKECAM_PERSONA_LAST, NULL);
	return &nvr_fakecam_personas[id];
}

static void
nvr_fakecam_device_set_mac(NvrFakecamDevice *dev)
{
	const gchar *oui = dev->persona->oui;

	if (oui != NULL) {
		for (guint i = 0; i < 3; i++)
			dev->mac[i] = (guint8)(g_ascii_xdigit_value(oui[2 * i]) << 4 |
					       g_ascii_xdigit_value(oui[2 * i + 1]));
	} else {
		/* bit 1 of the first octet: locally administered, no registry entry */
		dev->mac[0] = 0x0a;
		dev->mac[1] = 0xfc;
		dev->mac[2] = 0xa3;
	}
	dev->mac[3] = 0x3a;
	dev->mac[4] = (guint8)(dev->index >> 8);
	dev->mac[5] = (guint8)dev->index;
	dev->mac_colon = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
					 dev->mac[0],
					 dev->mac[1],
					 dev->mac[2],
					 dev->mac[3],
					 dev->mac[4],
					 dev->mac[5]);
	dev->mac_hex = g_strdup_printf("%02X%02X%02X%02X%02X%02X",
				       dev->mac[0],
				       dev->mac[1],
				       dev->mac[2],
				       dev->mac[3],
				       dev->mac[4],
				       dev->mac[5]);
}

/* serial numbers in each vendor's shape (identification-signals.md §3) */
static gchar *
nvr_fakecam_device_make_serial(NvrFakecamDevice *dev)
{
	switch (dev->persona->id) {
	case NVR_FAKECAM_PERSONA_HIKVISION: /* begins with the model */
		return g_strdup_printf("%s20220315AAWRJ%08u", dev->persona->model, 13370000 + dev->index);
	case NVR_FAKECAM_PERSONA_DAHUA:
		return g_strdup_printf("7G0A1B2PAZ%05u", dev->index);
	case NVR_FAKECAM_PERSONA_AMCREST: /* AMC prefix */
		return g_strdup_printf("AMC05A1E3C%07u", dev->index);
	case NVR_FAKECAM_PERSONA_AXIS: /* the MAC */
		return g_strdup(dev->mac_hex);
	case NVR_FAKECAM_PERSONA_REOLINK:
		return g_strdup_printf("00000152%06u", dev->index);
	case NVR_FAKECAM_PERSONA_GENERIC:
	case NVR_FAKECAM_PERSONA_LAST:
		break;
	}
	return g_strdup_printf("IPC%09u", 202200000 + dev->index);
}

/* stable per persona and index; Hikvision's ends with the MAC */
static gchar *
nvr_fakecam_device_make_uuid(NvrFakecamDevice *dev)
{
	g_autofree gchar *seed = g_strdup_printf("nvr-fakecam %s %u", dev->persona->name, dev->index);
	g_autofree gchar *h = g_compute_checksum_for_string(G_CHECKSUM_SHA1, seed, -1);
	g_autofree gchar *tail = dev->persona->id == NVR_FAKECAM_PERSONA_HIKVISION
				     ? g_ascii_strdown(dev->mac_hex, -1)
				     : g_strndup(h + 20, 12);

	return g_strdup_printf("%.8s-%.4s-4%.3s-a%.3s-%s", h, h + 8, h + 12, h + 15, tail);
}

static gchar *
nvr_fakecam_device_make_realm(NvrFakecamDevice *dev, gboolean rtsp)
{
	switch (dev->persona->id) {
	case NVR_FAKECAM_PERSONA_HIKVISION:
		return rtsp ? g_strdup_printf("IP Camera(%s)", dev->serial + strlen(dev->serial) - 5)
			    : g_strdup("hikvision");
	case NVR_FAKECAM_PERSONA_DAHUA:
	case NVR_FAKECAM_PERSONA_AMCREST:
		return g_strdup_printf("Login to %s", dev->serial);
	case NVR_FAKECAM_PERSONA_AXIS:
		return g_strdup_printf("AXIS_%s", dev->mac_hex);
	case NVR_FAKECAM_PERSONA_REOLINK:
		return g_strdup(rtsp ? "RTSP SERVER" : "Reolink");
	case NVR_FAKECAM_PERSONA_GENERIC:
	case NVR_FAKECAM_PERSONA_LAST:
		break;
	}
	return g_strdup("IPCAM");
}

/**
 * nvr_fakecam_device_new:
 * @index: 1-based camera number; makes the MAC, serial and UUID unique
 *
 * The network fields (address, ports) and credentials are filled in by the
 * camera once it has bound its sockets.
 */
NvrFakecamDevice *
nvr_fakecam_device_new(const NvrFakecamPersona *persona, guint index, guint sub_width,
		       guint sub_height)
{
	NvrFakecamDevice *dev = g_new0(NvrFakecamDevice, 1);

	dev->persona = persona;
	dev->index = index;
	nvr_fakecam_device_set_mac(dev);
	dev->serial = nvr_fakecam_device_make_serial(dev);
	dev->uuid = nvr_fakecam_device_make_uuid(dev);
	dev->http_realm = nvr_fakecam_device_make_realm(dev, FALSE);
	dev->rtsp_realm = nvr_fakecam_device_make_realm(dev, TRUE);
	dev->main_path = g_strdup(persona->main_path);
	dev->sub_path = persona->sub_path != NULL
			    ? g_strdup(persona->sub_path)
			    : g_strdup_printf("%s?resolution=%ux%u", persona->main_path, sub_width,
					      sub_height);
	dev->address = g_strdup("127.0.0.1");
	dev->host = g_strdup("127.0.0.1");
	return dev;
}

void
nvr_fakecam_device_free(NvrFakecamDevice *dev)
{
	if (dev == NULL)
		return;
	g_free(dev->mac_colon);
	g_free(dev->mac_hex);
	g_free(dev->serial);
	g_free(dev->uuid);
	g_free(dev->http_realm);
	g_free(dev->rtsp_realm);
	g_free(dev->main_path);
	g_free(dev->sub_path);
	g_free(dev->address);
	g_free(dev->host);
	g_free(dev->user);
	g_free(dev->password);
	g_free(dev);
}

/* Returns: (transfer full): the RTSP URL of stream 0 (main) or 1 (sub) */
gchar *
nvr_fakecam_device_rtsp_url(const NvrFakecamDevice *dev, guint stream)
{
	return g_strdup_printf("rtsp://%s:%u%s",
			       dev->host,
			       dev->rtsp_port,
			       stream == 0 ? dev->main_path : dev->sub_path);
}

/* Returns: (transfer full): the URL as ONVIF GetStreamUri gives it, in the vendor's form */
gchar *
nvr_fakecam_device_onvif_stream_url(const NvrFakecamDevice *dev, guint stream)
{
	g_autofree gchar *url = nvr_fakecam_device_rtsp_url(dev, stream);

	switch (dev->persona->id) {
	case NVR_FAKECAM_PERSONA_HIKVISION:
		return g_strdup_printf("%s?transportmode=unicast&profile=%s",
				       url,
				       dev->persona->profile_tokens[stream ? 1 : 0]);
	case NVR_FAKECAM_PERSONA_DAHUA:
	case NVR_FAKECAM_PERSONA_AMCREST:
		return g_strdup_printf("%s&unicast=true&proto=Onvif", url);
	default:
		return g_steal_pointer(&url);
	}
}

/* Returns: (transfer full): http://host:port@path */
gchar *
nvr_fakecam_device_http_url(const NvrFakecamDevice *dev, const gchar *path)
{
	return g_strdup_printf("http://%s:%u%s", dev->host, dev->http_port, path);
}

/* Returns: (transfer full): the WS-Discovery scopes, space-separated */
gchar *
nvr_fakecam_device_scopes(const NvrFakecamDevice *dev)
{
	return g_strdup_printf("onvif://www.onvif.org/Profile/Streaming "
			       "onvif://www.onvif.org/MAC/%s "
			       "onvif://www.onvif.org/hardware/%s "
			       "onvif://www.onvif.org/name/%s %s",
			       dev->mac_colon,
			       dev->persona->model,
			       dev->persona->name_scope,
			       dev->persona->extra_scopes);
}

static const gchar *
nvr_fakecam_query_lookup(gchar **params, const gchar *key)
{
	gsize klen = strlen(key);

	for (guint i = 0; params[i] != NULL; i++) {
		if (strncmp(params[i], key, klen) == 0 && params[i][klen] == '=')
			return params[i] + klen + 1;
	}
	return NULL;
}

/**
 * nvr_fakecam_device_normalize_path:
 * @query: (nullable): the request URL's query, which after a '/' may carry
 *   the control suffix clients append ("?channel=1&subtype=0/stream=0")
 *
 * Cameras accept extra query parameters (Hikvision's "?transportmode=...",
 * Dahua's "&unicast=true&proto=Onvif"); the server's mount points match a
 * path exactly. This keeps only the parameters that choose the mount, in the
 * mount's order, and drops the query altogether when that names no mount.
 *
 * Returns: (transfer full): the path to look up in the mount points
 */
gchar *
nvr_fakecam_device_normalize_path(const NvrFakecamDevice *dev,
				  const gchar *abspath,
				  const gchar *query)
{
	g_autofree gchar *params_str = NULL;
	g_auto(GStrv) params = NULL;
	g_autoptr(GString) kept = g_string_new(abspath);
	const gchar *suffix = "";
	const gchar *slash;
	guint n_kept = 0;

	if (query == NULL)
		return g_strdup(abspath);
	slash = strchr(query, '/');
	/* "?q/stream=0" names a stream; a bare "?q/" is the aggregate URL */
	if (slash != NULL && slash[1] != '\0')
		suffix = slash;
	params_str = g_strndup(query, slash != NULL ? (gsize)(slash - query) : strlen(query));
	params = g_strsplit(params_str, "&", -1);
	for (guint i = 0; dev->persona->mount_query_keys[i] != NULL; i++) {
		const gchar *key = dev->persona->mount_query_keys[i];
		const gchar *value = nvr_fakecam_query_lookup(params, key);
		if (value != NULL)
			g_string_append_printf(kept, "%s%s=%s", n_kept++ == 0 ? "?" : "&", key, value);
	}
	if (g_strcmp0(kept->str, dev->main_path) != 0 && g_strcmp0(kept->str, dev->sub_path) != 0)
		g_string_assign(kept, abspath);
	g_string_append(kept, suffix);
	return g_string_free(g_steal_pointer(&kept), FALSE);
}

/* compares secrets in time that depends on their lengths only */
gboolean
nvr_fakecam_str_equal_ct(const gchar *a, const gchar *b)
{
	gsize la, lb;
	guint8 diff = 0;

	if (a == NULL || b == NULL)
		return FALSE;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return FALSE;
	for (gsize i = 0; i < la; i++)
		diff |= (guint8)(a[i] ^ b[i]);
	return diff == 0;
}
