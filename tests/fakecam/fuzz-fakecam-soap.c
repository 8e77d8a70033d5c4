/*
 * fuzz-fakecam-soap.c: untrusted SOAP (ONVIF requests over HTTP, WS-Discovery
 * Probes over UDP) through nvr-fakecam's parser and both handlers, for every
 * persona. The first byte picks the persona; the whole input is the request.
 */
#include "config.h"

#include <libxml/parser.h>
#include <stdint.h>

#include "fakecam/nvr-fakecam-onvif.h"
#include "fakecam/nvr-fakecam-soap.h"
#include "fakecam/nvr-fakecam-wsd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static NvrFakecamDevice *devices[NVR_FAKECAM_PERSONA_LAST];

static void
fuzz_init(void)
{
	xmlInitParser();
	for (guint i = 0; i < NVR_FAKECAM_PERSONA_LAST; i++) {
		devices[i] = nvr_fakecam_device_new(nvr_fakecam_persona_get(i), 1, 640, 360);
		devices[i]->user = g_strdup("admin");
		devices[i]->password = g_strdup("fakecam");
		devices[i]->http_port = 80;
		devices[i]->rtsp_port = 554;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static GDateTime *now = NULL;
	const NvrFakecamDevice *dev;
	guint status = 0;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *match = NULL;
	g_autoptr(NvrFakecamSoapRequest) req = NULL;

	if (now == NULL) {
		fuzz_init();
		now = g_date_time_new_utc(2026, 11, 28, 14, 0, 0);
	}
	dev = devices[size > 0 ? data[0] % NVR_FAKECAM_PERSONA_LAST : 0];
	reply = nvr_fakecam_onvif_handle(dev, (const gchar *)data, size, now, &status);
	g_assert_nonnull(reply);
	g_assert_true(status == 200 || status == 400 || status == 401 || status == 500);
	match = nvr_fakecam_wsd_handle(dev, (const gchar *)data, size, 1, NULL);
	req = nvr_fakecam_soap_parse((const gchar *)data, size, NULL);
	if (req != NULL)
		nvr_fakecam_soap_check_token(req, "admin", "fakecam", NULL);
	return 0;
}
