/* SPDX-License-Identifier: ISC */
/* The names of a probe's depths, results and stages, as ccmon probe,
 * the status output and the alarm texts print them. */
#include "agent/core/probe_types.h"

const char *ccm_probe_depth_name(enum ccm_probe_depth depth)
{
	switch (depth) {
	case CCM_PROBE_DEPTH_TCP:
		return "tcp";
	case CCM_PROBE_DEPTH_STREAM:
		return "stream";
	case CCM_PROBE_DEPTH_HANDSHAKE:
		return "handshake";
	}
	return "invalid";
}

const char *ccm_probe_result_name(enum ccm_probe_result result)
{
	switch (result) {
	case CCM_PROBE_OK:
		return "ok";
	case CCM_PROBE_REFUSED:
		return "refused";
	case CCM_PROBE_TIMEOUT:
		return "timeout";
	case CCM_PROBE_UNREACHABLE:
		return "unreachable";
	case CCM_PROBE_ERROR:
		return "error";
	}
	return "invalid";
}

const char *ccm_probe_stage_name(enum ccm_probe_stage stage)
{
	switch (stage) {
	case CCM_PROBE_STAGE_RESOLVE:
		return "resolve";
	case CCM_PROBE_STAGE_CONNECT:
		return "connect";
	case CCM_PROBE_STAGE_STREAM:
		return "stream";
	case CCM_PROBE_STAGE_HANDSHAKE:
		return "handshake";
	case CCM_PROBE_STAGE_DONE:
		return "done";
	}
	return "invalid";
}
