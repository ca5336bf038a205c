/* SPDX-License-Identifier: ISC */
/* The table of keys, made from keys.def, and what is looked up in it. */
#include <stdlib.h>
#include <string.h>

#include "parsers/config/config_internal.h"

/* The object each section's FIELD column names a member of. */
#define SECT_OBJ_AGENT struct ccm_agent_config
#define SECT_OBJ_SERVER struct ccm_server
#define SECT_OBJ_PROFILE struct ccm_profile
#define SECT_OBJ_LATENCY struct latency_read
#define SECT_OBJ_NODE struct ccm_node

/* The C type of a field each key type reads into. */
#define CTYPE_LOGS char **
#define CTYPE_NODE char *
#define CTYPE_PATH char *
#define CTYPE_DURATION ccm_ms
#define CTYPE_UINT unsigned
#define CTYPE_COUNT size_t
#define CTYPE_RATE struct ccm_rate
#define CTYPE_SIZE size_t
#define CTYPE_FACILITY int
#define CTYPE_BOOL bool
#define CTYPE_SOCKET char *
#define CTYPE_COMPLIANCE enum ccm_compliance
#define CTYPE_LISTEN char *
#define CTYPE_TEXT char *
#define CTYPE_HOST char *
#define CTYPE_PORT unsigned
#define CTYPE_SERVER_NODE char *
#define CTYPE_COMPONENT char *
#define CTYPE_PROFILE_REF const struct ccm_profile *
#define CTYPE_PROBE enum ccm_probe
#define CTYPE_PRIORITY unsigned
#define CTYPE_JSM struct ccm_event *
#define CTYPE_TC struct ccm_event *
#define CTYPE_PATTERN char *
#define CTYPE_WAIT ccm_ms
#define CTYPE_ENABLED bool

/* A row whose field does not have its type's C type fails to build. */
#define KEY(id, sect, name, type, field, def, min, max, note) \
	_Static_assert(_Generic(((SECT_OBJ_##sect *)0)->field, \
				CTYPE_##type: 1, default: 0), \
		       "keys.def: " name " is not a " #type " field");
#include "parsers/config/keys.def"
#undef KEY

/* ccm_key_logs(): a T_LOGS list's count follows it */
_Static_assert(offsetof(struct ccm_agent_config, nlogs) ==
		       offsetof(struct ccm_agent_config, logs) + sizeof(char **),
	       "[agent] nlogs follows logs");
_Static_assert(offsetof(struct ccm_node, nlogs) ==
		       offsetof(struct ccm_node, logs) + sizeof(char **),
	       "[node] nlogs follows logs");

/* the printer finds a rule's fields at the offsets keys.def gives */
_Static_assert(offsetof(struct latency_read, rule) == 0,
	       "struct latency_read begins with its rule");

const struct keydef ccm_keydefs[K_COUNT] = {
#define KEY(id, sect_, name_, type_, field, def_, min_, max_, note_) \
	[K_##id] = { \
		.sect = SECT_##sect_, \
		.type = T_##type_, \
		.name = (name_), \
		.offset = offsetof(SECT_OBJ_##sect_, field), \
		.def = (def_), \
		.min = (min_), \
		.max = (max_), \
		.note = (note_), \
	},
#include "parsers/config/keys.def"
#undef KEY
};

const char *const ccm_sect_names[] = {
	[SECT_AGENT] = "[agent]",
	[SECT_SERVER] = "[server NAME]",
	[SECT_PROFILE] = "[profile NAME]",
	[SECT_LATENCY] = "[latency NAME]",
	[SECT_NODE] = "[node NAME]",
};

enum key ccm_key_find(enum sect s, const char *name)
{
	size_t k;

	for (k = 0; k < K_COUNT; k++)
		if (ccm_keydefs[k].sect == s &&
		    !strcmp(ccm_keydefs[k].name, name))
			break;
	return (enum key)k;
}

bool ccm_key_repeatable(enum key k)
{
	enum ktype t = ccm_keydefs[k].type;

	return t == T_LOGS || t == T_JSM || t == T_TC;
}

void ccm_cfg_mark_bad(struct parse *p, enum key k)
{
	p->keys->bad |= UINT64_C(1) << k;
}

bool ccm_cfg_is_bad(const struct keys_seen *ks, enum key k)
{
	return ks->bad & (UINT64_C(1) << k);
}

static bool holds_string(enum ktype t)
{
	switch (t) {
	case T_NODE: case T_PATH: case T_SOCKET: case T_LISTEN: case T_TEXT:
	case T_HOST: case T_SERVER_NODE: case T_COMPONENT: case T_PATTERN:
		return true;
	default:
		return false;
	}
}

void ccm_cfg_release_keys(enum sect s, void *obj)
{
	for (size_t k = 0; k < K_COUNT; k++) {
		enum ktype t = ccm_keydefs[k].type;

		if (ccm_keydefs[k].sect != s)
			continue;
		if (holds_string(t)) {
			char **field = ccm_key_field((enum key)k, obj);

			free(*field);
			*field = NULL;
		} else if (t == T_LOGS) {
			size_t *n;
			char ***logs = ccm_key_logs((enum key)k, obj, &n);

			for (size_t i = 0; i < *n; i++)
				free((*logs)[i]);
			free(*logs);
			*logs = NULL;
			*n = 0;
		}
	}
}

/* Through the setters, so that a default is spelled once, as the file
 * would spell it.  A default they reject is a fault of keys.def: it is
 * reported like any value, at line 0 of the file being loaded, and the
 * load fails. */
void ccm_cfg_defaults(struct parse *p, enum sect s, void *obj)
{
	struct keys_seen scratch = { .bad = 0 };
	struct keys_seen *keys = p->keys;
	unsigned lineno = p->lineno;
	char *label = p->label;

	p->keys = &scratch;
	p->lineno = 0;
	p->label = NULL;
	for (size_t k = 0; k < K_COUNT; k++)
		if (ccm_keydefs[k].sect == s && ccm_keydefs[k].def)
			ccm_cfg_set(p, (enum key)k, obj, ccm_keydefs[k].def);
	p->keys = keys;
	p->lineno = lineno;
	p->label = label;
}
