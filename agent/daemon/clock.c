/* SPDX-License-Identifier: ISC */
/* Agent time.  The monitor runs on the wall clock (as local civil time)
 * at the start advanced by CLOCK_BOOTTIME, so that a step of the wall
 * clock (an NTP correction, an operator's date -s) neither stretches nor
 * cuts a hold, damping window, rate limit or silence.  BOOTTIME rather
 * than MONOTONIC: it counts a suspend, so agent time stays with the wall
 * clock across one, a log that was silent while the host slept was
 * silent, and the log's own times still compare with agent time.  What
 * the agent shows (alarm times, status, SNMP, the state file) is agent
 * time moved by the wall clock's offset at the moment it is shown
 * (ccmond(8), Times). */
#include <time.h>

#include "agent/daemon/daemon.h"
#include "parsers/duration.h"
#include "parsers/timestamp.h"

/* The wall clock parting from agent time by this much is a step. */
#define STEP_MS INT64_C(1000)

static ccm_ms now_local(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ccm_time_local(&ts);
}

static uint64_t boot_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void ccmond_start_clock(struct daemon *d)
{
	d->epoch_boot = boot_usec();
	d->epoch_wall = now_local();
}

/* The time the monitor runs on (see the top): it never steps. */
ccm_ms ccmond_agent_now(const struct daemon *d)
{
	return d->epoch_wall + (ccm_ms)((boot_usec() - d->epoch_boot) / 1000u);
}

/* What to add to an agent time to show it: the wall clock's offset.  It
 * stays as it is (0 from the start) until the wall clock parts from agent
 * time by a second or more, a step: reading the two clocks one after the
 * other differs by a millisecond or so, and the times the logs gave (the
 * first pass, the state file) must be shown as they were written. */
ccm_ms ccmond_wall_offset(struct daemon *d)
{
	uint64_t before = boot_usec();
	ccm_ms wall = now_local();
	uint64_t after = boot_usec();
	ccm_ms agent = d->epoch_wall +
		       (ccm_ms)(((before + after) / 2 - d->epoch_boot) / 1000u);
	ccm_ms moved = wall - agent - d->shown_offset;

	if (moved >= STEP_MS || moved <= -STEP_MS) {
		char by[CCM_DURATION_STRLEN];
		ccm_say(&d->log, LOG_NOTICE, "the wall clock stepped %s by %s:"
			" alarm holds, damping and silence go on on their own"
			" clock; times are shown on the wall clock",
			moved > 0 ? "forward" : "back",
			ccm_duration_format(moved > 0 ? moved : -moved, by));
		d->shown_offset = wall - agent;
	}
	return d->shown_offset;
}

/* Agent time for an input to the monitor, which is told the offset too:
 * the times it writes into texts are shown times. */
ccm_ms ccmond_tick(struct daemon *d)
{
	ccm_monitor_set_wall_offset(d->mon, ccmond_wall_offset(d));
	return ccmond_agent_now(d);
}
