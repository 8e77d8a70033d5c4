/*
 * nvr-csv.h: a small RFC 4180 reader for the IEEE registry files of
 * Debian's ieee-data (oui.csv, mam.csv, oui36.csv, iab.csv): quoted fields
 * with commas, doubled quotes and line breaks, CRLF or LF records. The
 * input is treated as untrusted: fields and rows are bounded, and a broken
 * quote is an error with its line number, never a read past the end.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_CSV_FIELD_MAX 4096
#define NVR_CSV_FIELDS_MAX 64

/* @fields: (element-type utf8): the row's fields; @line: where the row starts (1-based) */
typedef gboolean (*NvrCsvRowFunc)(guint line, GPtrArray *fields, gpointer user_data,
				  GError **error);

gboolean nvr_csv_parse(const gchar *data, gsize len, NvrCsvRowFunc func, gpointer user_data,
		       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
