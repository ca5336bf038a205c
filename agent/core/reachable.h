/* SPDX-License-Identifier: ISC */
/* Endpoints proven reachable after their failures, kept across restarts.
 *
 * A restart rebuilds what it knows from the router's log, but a success
 * that only ccmond saw (its own probe got through) is in no log: without
 * this record the replay would find the endpoint still failing and raise
 * again an endpoint-refused alarm the last run had cleared (ccmond(8),
 * STATE).  An entry says "host:port was reachable after its first N
 * failed connects": a later failure line (N exceeded) makes it failing
 * again.  Counting lines rather than comparing times keeps the router's
 * clock out of it.
 *
 * Stored in the monitor's snapshot (the state file's "alarms" object) as
 *   "reachable": [{"host": "10.53.52.205", "port": 7999, "failures": 3}]
 * which the alarm module's restore ignores. */
#ifndef CCM_REACHABLE_H
#define CCM_REACHABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct ccm_reachable {
	char *host;
	unsigned port;
	uint64_t failures;
};

struct ccm_reachable_set {
	struct ccm_reachable *v;
	size_t n;
};

/* The entries of snapshot's "reachable" member (none when absent);
 * malformed entries are skipped.  Returns 0, or -1 out of memory (the set
 * then holds what was read so far). */
int ccm_reachable_load(struct ccm_reachable_set *s,
		       const struct json_object *snapshot);
void ccm_reachable_release(struct ccm_reachable_set *s);

/* The failures host:port had when it was last proven reachable. */
bool ccm_reachable_find(const struct ccm_reachable_set *s, const char *host,
			unsigned port, uint64_t *failures);

/* One entry appended to arr.  Returns 0, or -1 out of memory. */
int ccm_reachable_add(struct json_object *arr, const char *host,
		      unsigned port, uint64_t failures);

#endif
