/* SPDX-License-Identifier: ISC */
/* The components an operator is shown: every one the engine knows and
 * every configured server's, even before the log names it.  One list for
 * `ccmon status` and the SNMP component table, so both show the same
 * rows. */
#ifndef CCM_COMPONENT_ROWS_H
#define CCM_COMPONENT_ROWS_H

#include <stddef.h>

#include "agent/core/engine.h"
#include "parsers/config.h"

struct ccm_component_row {
	const char *name;                /* as configured, else as logged */
	const struct ccm_component *comp; /* NULL: configured, never seen    */
	const struct ccm_server *server; /* NULL: seen, no configured server */
};

/* Sorted by name (strcmp).  A configured component the engine knows under
 * another case is one row: the router's names ignore case.
 * engine and config may be NULL.  Returns the number of rows with *out
 * malloc'd (NULL when there are none), or (size_t)-1 when out of
 * memory. */
size_t ccm_component_rows(const struct ccm_engine *engine,
			  const struct ccm_config *config,
			  struct ccm_component_row **out);

#endif
