/* fuzz-csv: the RFC 4180 reader and the IEEE registry loader on top of it */
#include "config.h"

#include <stdint.h>

#include "vendor/nvr-csv.h"
#include "vendor/nvr-oui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean
fuzz_csv_row_cb(guint line, GPtrArray *fields, gpointer user_data, GError **error)
{
	(*(guint *)user_data) += fields->len;
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrOuiDb) db = nvr_oui_db_new();
	guint n = 0;

	if (!nvr_csv_parse((const gchar *)data, size, fuzz_csv_row_cb, &n, NULL))
		n = 0;
	if (nvr_oui_db_load_ieee_csv(db, (const gchar *)data, size, "fuzz", NULL))
		(void)nvr_oui_db_lookup(db, "44:19:B6:3A:00:01");
	return 0;
}
