/* SPDX-License-Identifier: ISC */
/* A profile's event lists: the names IM&P knows, the entries of jsm and tc
 * lines, the vendor's rules between entries, and the built-in profile's
 * list (ccmon.conf(5)). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/config/config_internal.h"

static const char *const jsm_events[] = {
	"e_SESSION", "e_OFFLINE", "e_SERVER", "e_DELIVER", "e_AUTH",
	"e_REGISTER", "e_STATS", "e_DISCOFEAT", "e_PRISESSION",
	"es_IN", "es_OUT", "es_END",
};

static const char *const tc_events[] = {
	"onServicePacket", "onBeforeRoomCreate", "onAfterRoomCreate",
	"onServiceDiscoInfo", "onServiceReconfig", "onDestroy", "onClose",
	"onPacket", "onMetaInfoGet", "onBeforeMetaInfoSet",
	"onAfterMetaInfoSet", "onExamineRoom", "onBeforeChangeUser",
	"onAfterChangeUser", "onBeforeChangeAffiliation",
	"onAfterChangeAffiliation", "onBeforeRemoveAffiliation",
	"onAfterRemoveAffiliation", "onBeforeJoin", "onAfterJoin", "onLeave",
	"onBeforeSubject", "onAfterSubject", "onBeforeInvite",
	"onAfterInvite", "onHistory", "onBeforeSend", "onBeforeBroadcast",
};

/* The handling the vendor does not state: bounce where a message or
 * group-chat event waits (a user then sees an error rather than a silent
 * loss), pass for session events (logins and logouts go on unlogged while
 * the server is away); doc/domain.md "The built-in profile". */
#define JSM(name, packet, handling) \
	{ CCM_EVENT_JSM, name, CCM_PACKET_##packet, CCM_HANDLING_##handling, \
	  false, 0 }
#define TC(name, handling) \
	{ CCM_EVENT_TC, name, CCM_PACKET_NONE, CCM_HANDLING_##handling, \
	  false, 0 }
static const struct ccm_event builtin_events[] = {
	JSM("e_SESSION", ALL, PASS),
	JSM("es_END", ALL, PASS),
	JSM("es_IN", MESSAGE, BOUNCE),
	JSM("es_OUT", MESSAGE, BOUNCE),
	TC("onBeforeInvite", BOUNCE),
	TC("onBeforeJoin", BOUNCE),
	TC("onBeforeRoomCreate", BOUNCE),
	TC("onBeforeSend", BOUNCE),
	TC("onLeave", BOUNCE),
};
#undef JSM
#undef TC

static const char *list_key(enum ccm_event_type type)
{
	return type == CCM_EVENT_JSM ? "jsm" : "tc";
}

static const char *kind(enum ccm_event_type type)
{
	return type == CCM_EVENT_JSM ? "JSM" : "TC";
}

static const char *find_event(const char *const *table, size_t n,
			      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i], name))
			return table[i];
	return NULL;
}

/* The static spelling of a name of that type, or NULL. */
static const char *known_event(enum ccm_event_type type, const char *name)
{
	return type == CCM_EVENT_JSM ?
	       find_event(jsm_events, ARRAY_SIZE(jsm_events), name) :
	       find_event(tc_events, ARRAY_SIZE(tc_events), name);
}

/* The event's static name, or NULL after reporting it. */
static const char *event_name(struct parse *p, enum ccm_event_type type,
			      const char *name)
{
	const char *const *own = type == CCM_EVENT_JSM ? jsm_events : tc_events;
	size_t nown = type == CCM_EVENT_JSM ? ARRAY_SIZE(jsm_events) :
					      ARRAY_SIZE(tc_events);
	enum ccm_event_type other = type == CCM_EVENT_JSM ? CCM_EVENT_TC :
							    CCM_EVENT_JSM;
	const char *found = known_event(type, name);
	const char *hint;

	if (found)
		return found;
	if (known_event(other, name))
		ccm_cfg_error(p, "unknown-event", "'%s' is a %s event: list it"
			      " under '%s', not '%s'", name, kind(other),
			      list_key(other), list_key(type));
	else if ((hint = ccm_cfg_suggest(name, own, nown)))
		ccm_cfg_error(p, "unknown-event",
			      "'%s' is not a %s event; did you mean '%s'?",
			      name, kind(type), hint);
	else
		ccm_cfg_error(p, "unknown-event",
			      "'%s' is not a %s event (see ccmon.conf(5) for"
			      " the list)", name, kind(type));
	return NULL;
}

static void event_text(const struct ccm_event *e, char *buf, size_t size)
{
	if (e->type == CCM_EVENT_JSM)
		snprintf(buf, size, "%s:%s", e->name,
			 ccm_packet_name(e->packet));
	else
		snprintf(buf, size, "%s", e->name);
}

/* Reported when the profile already has e, or an 'all' conflicts. */
static bool event_conflicts(struct parse *p, const struct ccm_profile *pr,
			    const struct ccm_event *e)
{
	char a[96], b[96];

	for (size_t i = 0; i < pr->nevents; i++) {
		const struct ccm_event *o = &pr->events[i];

		if (o->type != e->type || o->name != e->name)
			continue;
		event_text(e, a, sizeof(a));
		if (o->packet == e->packet) {
			ccm_cfg_error(p, "duplicate-event",
				      "%s is listed twice (first at line %u):"
				      " an event may appear once per packet"
				      " type (vendor rule)", a, o->line);
			return true;
		}
		if (o->packet == CCM_PACKET_ALL ||
		    e->packet == CCM_PACKET_ALL) {
			event_text(o, b, sizeof(b));
			ccm_cfg_error(p, "all-exclusive",
				      "%s conflicts with %s (line %u): 'all'"
				      " excludes any other packet type for the"
				      " same event (vendor rule)", a, b,
				      o->line);
			return true;
		}
	}
	return false;
}

static void add_event(struct parse *p, struct ccm_profile *pr,
		      const struct ccm_event *e)
{
	struct ccm_event *v;
	char a[96];

	if (event_conflicts(p, pr, e))
		return;
	v = realloc(pr->events, (pr->nevents + 1) * sizeof(*v));
	if (!v) {
		p->oom = true;
		return;
	}
	pr->events = v;
	pr->events[pr->nevents++] = *e;
	if (e->handling == CCM_HANDLING_BOUNCE && e->fire_and_forget) {
		event_text(e, a, sizeof(a));
		ccm_cfg_warn(p, "bounce-fire-and-forget",
			     "%s: bounce with fire-and-forget passes the event"
			     " to the compliance server and then discards it;"
			     " IM&P does not process it further (vendor"
			     " caution)", a);
	}
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* The two forms confused: one finding, not one per field.  True when
 * reported. */
static bool confused_form(struct parse *p, enum ccm_event_type type,
			  char **field, size_t n, const char *whole,
			  const char *form)
{
	if (type == CCM_EVENT_TC && n == 3 && ccm_cfg_packet(field[1])) {
		ccm_cfg_error(p, "event-syntax", "'%s': TC events have no"
			      " packet type: a tc entry is %s", whole, form);
		return true;
	}
	if (type == CCM_EVENT_JSM && n == 3 &&
	    (!strcasecmp(field[1], "bounce") ||
	     !strcasecmp(field[1], "pass"))) {
		ccm_cfg_error(p, "event-syntax", "'%s': the packet type is"
			      " missing: a jsm entry is %s", whole, form);
		return true;
	}
	return false;
}

/* Handling and fire-and-forget from the fields after the packet type;
 * false after reporting them. */
static bool parse_handling(struct parse *p, struct ccm_event *e,
			   char **field, size_t n, size_t need,
			   const char *whole)
{
	const char *h = field[need - 1];
	bool ok = true;

	if (!strcasecmp(h, "bounce")) {
		e->handling = CCM_HANDLING_BOUNCE;
	} else if (!strcasecmp(h, "pass")) {
		e->handling = CCM_HANDLING_PASS;
	} else {
		ccm_cfg_error(p, "handling",
			      "'%s': handling '%s' is not bounce or pass",
			      whole, h);
		ok = false;
	}
	if (n == need + 1) {
		if (strcasecmp(field[need], "fire-and-forget")) {
			ccm_cfg_error(p, "event-syntax",
				      "'%s': after the handling only"
				      " 'fire-and-forget' may follow", whole);
			ok = false;
		}
		e->fire_and_forget = true;
	}
	return ok;
}

/* One entry: JSM "event:packet:handling[:fire-and-forget]", TC
 * "event:handling[:fire-and-forget]". */
static void parse_event(struct parse *p, struct ccm_profile *pr,
			enum ccm_event_type type, char *entry)
{
	const char *form = type == CCM_EVENT_JSM ?
			   "event:packet:handling[:fire-and-forget]" :
			   "event:handling[:fire-and-forget]";
	size_t need = type == CCM_EVENT_JSM ? 3 : 2;
	char *field[5], *rest = entry;
	size_t n = 0;
	struct ccm_event e = { .type = type, .line = p->lineno };
	bool ok;
	char whole[256];

	snprintf(whole, sizeof(whole), "%s", entry);
	while (rest && n < ARRAY_SIZE(field))
		field[n++] = trim(strsep(&rest, ":"));
	if (rest || n < need || n > need + 1) {
		ccm_cfg_error(p, "event-syntax", "'%s': a %s entry is %s",
			      whole, list_key(type), form);
		return;
	}
	if (confused_form(p, type, field, n, whole, form))
		return;
	e.name = event_name(p, type, field[0]);
	ok = e.name != NULL;
	if (type == CCM_EVENT_JSM) {
		e.packet = ccm_cfg_packet(field[1]);
		if (!e.packet) {
			ccm_cfg_error(p, "packet-type",
				      "'%s': packet type '%s' is not all, iq,"
				      " message, presence or subscription",
				      whole, field[1]);
			ok = false;
		}
	}
	if (!parse_handling(p, &e, field, n, need, whole))
		ok = false;
	if (ok)
		add_event(p, pr, &e);
}

void ccm_cfg_parse_events(struct parse *p, struct ccm_profile *pr,
			  enum ccm_event_type type, const char *value)
{
	char *copy = ccm_cfg_strdup(p, value), *rest = copy, *entry;

	if (!copy)
		return;
	if (!*value)
		ccm_cfg_error(p, "event-syntax", "%s: the list is empty",
			      list_key(type));
	while (*value && (entry = strsep(&rest, ",")) != NULL) {
		entry = trim(entry);
		if (!*entry)
			ccm_cfg_error(p, "event-syntax",
				      "%s: empty entry (a stray comma?)",
				      list_key(type));
		else
			parse_event(p, pr, type, entry);
	}
	free(copy);
}

/* The entries of e's event with e's handling, up to four. */
static size_t same_handling(const struct ccm_profile *pr, size_t i,
			    size_t same[static 4])
{
	const struct ccm_event *e = &pr->events[i];
	size_t n = 0;

	for (size_t j = i; j < pr->nevents && n < 4; j++) {
		const struct ccm_event *o = &pr->events[j];

		if (o->type == CCM_EVENT_JSM && o->name == e->name &&
		    o->handling == e->handling &&
		    o->fire_and_forget == e->fire_and_forget)
			same[n++] = j;
	}
	return n;
}

void ccm_cfg_normalise_all(struct parse *p, struct ccm_profile *pr,
			   const char *label)
{
	for (size_t i = 0; i < pr->nevents; i++) {
		struct ccm_event *e = &pr->events[i];
		size_t same[4];
		unsigned last = 0;

		if (e->type != CCM_EVENT_JSM || e->packet == CCM_PACKET_ALL ||
		    same_handling(pr, i, same) < 4)
			continue;
		for (size_t j = 0; j < 4; j++)
			if (pr->events[same[j]].line > last)
				last = pr->events[same[j]].line;
		ccm_cfg_report(p, CCM_LEVEL_WARNING, last, "all-equivalent",
			       label, "%s with iq, message, presence and"
			       " subscription is the same as all: treated as"
			       " %s:all:%s%s", e->name, e->name,
			       ccm_handling_name(e->handling),
			       e->fire_and_forget ? ":fire-and-forget" : "");
		e->packet = CCM_PACKET_ALL;
		/* backwards, so that the indices still to go stay valid */
		for (size_t j = 3; j >= 1; j--) {
			size_t at = same[j];

			memmove(&pr->events[at], &pr->events[at + 1],
				(pr->nevents - at - 1) * sizeof(*pr->events));
			pr->nevents--;
		}
	}
}

void ccm_cfg_order_events(struct ccm_profile *pr)
{
	for (size_t i = 1; i < pr->nevents; i++) {
		struct ccm_event x = pr->events[i];
		size_t j = i;

		while (j > 0 && pr->events[j - 1].type > x.type) {
			pr->events[j] = pr->events[j - 1];
			j--;
		}
		pr->events[j] = x;
	}
}

bool ccm_cfg_builtin_events(struct ccm_profile *pr)
{
	pr->events = malloc(sizeof(builtin_events));
	if (!pr->events)
		return false;
	memcpy(pr->events, builtin_events, sizeof(builtin_events));
	pr->nevents = ARRAY_SIZE(builtin_events);
	/* one spelling of each name, so that names compare as pointers */
	for (size_t i = 0; i < pr->nevents; i++)
		pr->events[i].name = known_event(pr->events[i].type,
						 pr->events[i].name);
	return true;
}
