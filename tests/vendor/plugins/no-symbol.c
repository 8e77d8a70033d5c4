/* a shared object that is not an nvr plugin: no nvr_vendor_plugin_get_desc */
#include <glib.h>
#include <gmodule.h>

G_MODULE_EXPORT int something_else(void);

int
something_else(void)
{
	return 42;
}
