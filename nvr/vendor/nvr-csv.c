#include "config.h"

#include "core/nvr-error.h"
#include "vendor/nvr-csv.h"

typedef struct {
	const gchar *p;
	const gchar *end;
	guint line;
	GString *field;
	GPtrArray *fields;
} NvrCsvReader;

static gboolean
nvr_csv_fail(NvrCsvReader *r, GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "line %u: %s", r->line, what);
	return FALSE;
}

static gboolean
nvr_csv_append(NvrCsvReader *r, gchar c, GError **error)
{
	if (c == '\0')
		return nvr_csv_fail(r, error, "NUL byte");
	if (r->field->len >= NVR_CSV_FIELD_MAX)
		return nvr_csv_fail(r, error, "field too long");
	g_string_append_c(r->field, c);
	return TRUE;
}

static gboolean
nvr_csv_end_field(NvrCsvReader *r, GError **error)
{
	if (r->fields->len >= NVR_CSV_FIELDS_MAX)
		return nvr_csv_fail(r, error, "too many fields");
	g_ptr_array_add(r->fields, g_strndup(r->field->str, r->field->len));
	g_string_truncate(r->field, 0);
	return TRUE;
}

/* a quoted field: from after the opening quote to after the closing one */
static gboolean
nvr_csv_read_quoted(NvrCsvReader *r, GError **error)
{
	guint start_line = r->line;

	while (r->p < r->end) {
		gchar c = *r->p++;
		if (c == '"') {
			if (r->p < r->end && *r->p == '"') {
				r->p++;
				if (!nvr_csv_append(r, '"', error))
					return FALSE;
				continue;
			}
			if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
				return nvr_csv_fail(r, error, "text after a closing quote");
			return TRUE;
		}
		if (c == '\n')
			r->line++;
		if (!nvr_csv_append(r, c, error))
			return FALSE;
	}
	r->line = start_line;
	return nvr_csv_fail(r, error, "unterminated quoted field");
}

/* an unquoted field: up to a comma or a line break (a stray quote is kept as text) */
static gboolean
nvr_csv_read_plain(NvrCsvReader *r, GError **error)
{
	while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
		if (!nvr_csv_append(r, *r->p++, error))
			return FALSE;
	}
	return TRUE;
}

/* one record; leaves r->p after its line break */
static gboolean
nvr_csv_read_row(NvrCsvReader *r, GError **error)
{
	for (;;) {
		gboolean ok = r->p < r->end && *r->p == '"' ? (r->p++, nvr_csv_read_quoted(r, error))
							    : nvr_csv_read_plain(r, error);
		if (!ok || !nvr_csv_end_field(r, error))
			return FALSE;
		if (r->p >= r->end)
			return TRUE;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		return TRUE;
	}
}

/**
 * nvr_csv_parse:
 * @func: called for every non-empty row; returning FALSE stops with its error
 *
 * Errors: NVR_ERROR_PARSE with the line number, or whatever @func set.
 */
gboolean
nvr_csv_parse(const gchar *data, gsize len, NvrCsvRowFunc func, gpointer user_data,
	      GError **error)
{
	g_autoptr(GString) field = g_string_new(NULL);
	g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
	NvrCsvReader r = {data, data + len, 1, field, fields};

	while (r.p < r.end) {
		guint line = r.line;
		if (*r.p == '\n' || *r.p == '\r') { /* an empty line is no record */
			if (*r.p == '\n')
				r.line++;
			r.p++;
			continue;
		}
		g_ptr_array_set_size(fields, 0);
		if (!nvr_csv_read_row(&r, error))
			return FALSE;
		r.line++;
		if (!func(line, fields, user_data, error))
			return FALSE;
	}
	return TRUE;
}
