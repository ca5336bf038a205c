/* What users suffer while components are down (SPEC §4).
 *
 * This first version answers one question, whether instant messages are
 * blocked: IM&P delivers a message only after a compliance server that
 * waits for it has logged it, so a message waits on any server whose
 * profile has es_IN or es_OUT for message (or all) packets without
 * fire-and-forget.  When such a server's component is down (CONNECTED or
 * GONE as the log last said it), messages on its profile are blocked
 * unless another server with the same profile (a balanced set) is ACTIVE
 * and can take the share.  A component the log never named counts as
 * unknown, not down: ccmon does not claim an outage it has not seen.
 * Components seen in the log but not configured are taken to carry
 * SystemDefaultComplianceProfile, alone. */
#ifndef CCM_IMPACT_H
#define CCM_IMPACT_H

#include <stdbool.h>

#include "agent/engine.h"
#include "parsers/config.h"

/* Does the profile make IM&P wait for the server's answer to messages? */
bool ccm_profile_waits_for_messages(const struct ccm_profile *profile);

/* engine and config may be NULL. */
bool ccm_impact_messaging_blocked(const struct ccm_engine *engine,
				  const struct ccm_config *config);

#endif
