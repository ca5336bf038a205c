/* SPDX-License-Identifier: ISC */
/* What a probe of a compliance server finds, as data: the depths asked
 * for, the results, the stage it stopped at and the report.  The probe
 * itself (agent/io/probe.h) does the network I/O; the core (the monitor,
 * the probe figures) only reads its reports, so they live here, without
 * sockets or an event loop. */
#ifndef CCM_CORE_PROBE_TYPES_H
#define CCM_CORE_PROBE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "parsers/xmpp_stream.h"

/* (Not "enum ccm_probe" nor CCM_PROBE_TCP: parsers/config.h has those for
 * the configured routine probe, which never goes as far as a handshake.) */
enum ccm_probe_depth {
	CCM_PROBE_DEPTH_TCP = 0,   /* connect only                           */
	CCM_PROBE_DEPTH_STREAM,    /* + our stream header, the server's back */
	CCM_PROBE_DEPTH_HANDSHAKE, /* + <handshake> with the secret          */
};
const char *ccm_probe_depth_name(enum ccm_probe_depth depth);

enum ccm_probe_result {
	CCM_PROBE_OK = 0,
	CCM_PROBE_REFUSED,     /* ECONNREFUSED                             */
	CCM_PROBE_TIMEOUT,     /* the whole probe ran out of time          */
	CCM_PROBE_UNREACHABLE, /* no route, no such address, name unknown  */
	CCM_PROBE_ERROR,       /* anything else, protocol failures too     */
};
#define CCM_PROBE_NRESULTS 5
/* "ok" "refused" "timeout" "unreachable" "error" */
const char *ccm_probe_result_name(enum ccm_probe_result result);

/* Where a probe stopped: the step that failed, or DONE. */
enum ccm_probe_stage {
	CCM_PROBE_STAGE_RESOLVE = 0,
	CCM_PROBE_STAGE_CONNECT,
	CCM_PROBE_STAGE_STREAM,
	CCM_PROBE_STAGE_HANDSHAKE,
	CCM_PROBE_STAGE_DONE,    /* every requested step passed */
};
/* "resolve" "connect" "stream" "handshake" "done" */
const char *ccm_probe_stage_name(enum ccm_probe_stage stage);

#define CCM_PROBE_ADDR_MAX 64
#define CCM_PROBE_DETAIL_MAX 320

/* Latencies are microseconds of CLOCK_MONOTONIC: on a LAN or loopback a
 * connect takes well under a millisecond, which ccm_ms would show as 0. */
struct ccm_probe_report {
	enum ccm_probe_result result;
	enum ccm_probe_stage stage;
	enum ccm_probe_depth depth;  /* as requested                        */
	int err;                     /* errno behind the result, or 0       */
	char address[CCM_PROBE_ADDR_MAX]; /* numeric, the last one tried   */
	unsigned addresses_tried;
	bool connected;
	int64_t connect_us;          /* connect() to writable, SO_ERROR 0   */
	bool have_first_byte;
	int64_t first_byte_us;       /* header sent to first byte back      */
	bool stream_ok;              /* a component stream header with id   */
	char stream_id[CCM_XS_ID_MAX];    /* raw bytes: escape to print     */
	char stream_from[CCM_XS_ID_MAX];
	char stream_ns[CCM_XS_NAME_MAX];
	bool handshake_ok;
	bool handshake_rejected;     /* <stream:error>, end or close instead */
	char condition[CCM_XS_NAME_MAX]; /* the server's stream error, if any */
	char detail[CCM_PROBE_DETAIL_MAX]; /* one line for humans: "connection
					    * refused", "no stream header
					    * within 3s", ...              */
};

#endif
