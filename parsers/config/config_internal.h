/* SPDX-License-Identifier: ISC */
/* The configuration loader's internals, shared by the files of
 * parsers/config/ and by nothing else: the keys (from keys.def), the state
 * of one load and the steps of a load.
 *
 *   load.c      the file, line by line, through libinih; findings
 *   sections.c  section headers and the objects they open
 *   keys.c      the key table, lookups, defaults
 *   values.c    one setter per key type
 *   events.c    jsm and tc event lists, the built-in profile's
 *   checks.c    what only the whole file can tell, after the last line
 *   nodes.c     [node] sections, the node of each server and log
 *   print.c     the effective configuration
 *   syntax.c    value syntax and names shared with the command line
 *   suggest.c   "did you mean"
 *   objects.c   freeing and looking up a configuration
 *   findings.c  the findings list */
#ifndef CCM_CONFIG_INTERNAL_H
#define CCM_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parsers/config.h"
#include "parsers/queue_lines.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define GIB ((size_t)1 << 30)

/* The longest line libinih takes whole: its 200-byte buffer less the
 * newline and the NUL.  The printer keeps its lines within it too. */
#define INI_LINE_MAX 198

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- keys ---------------------------------------------------------------- */

enum sect {
	SECT_NONE,    /* before the first header */
	SECT_AGENT,
	SECT_SERVER,
	SECT_PROFILE,
	SECT_LATENCY,
	SECT_NODE,
	SECT_IGNORED, /* a header already reported as wrong: its keys too */
};

/* How a value is read and printed; values.c and print.c hold one function
 * of each per type.  NOTE is keys.def's column. */
enum ktype {
	T_LOGS,        /* absolute paths, one per line, all kept */
	T_NODE,        /* a node name */
	T_PATH,        /* an absolute path */
	T_DURATION,    /* at least MIN ms; NOTE printed when 0 */
	T_UINT,        /* unsigned, MIN to MAX */
	T_COUNT,       /* size_t, MIN to MAX */
	T_RATE,
	T_SIZE,
	T_FACILITY,
	T_BOOL,        /* yes or no */
	T_SOCKET,      /* AgentX transport; NOTE as a comment when unset */
	T_COMPLIANCE,
	T_LISTEN,      /* numeric address and port; NOTE when unset */
	T_TEXT,        /* anything; printed when set */
	T_HOST,
	T_PORT,        /* MIN to MAX */
	T_SERVER_NODE, /* a node name; NOTE when taken from [agent] */
	T_COMPONENT,   /* a component name; NOTE when derived */
	T_PROFILE_REF, /* a profile's name, resolved after the last line */
	T_PROBE,
	T_PRIORITY,    /* MIN to MAX; NOTE when numbered by section order */
	T_JSM,         /* JSM event entries, added to the profile's */
	T_TC,          /* TC event entries, the same */
	T_PATTERN,     /* a queue-line PCRE2 pattern */
	T_WAIT,        /* a duration printed beside match only */
	T_ENABLED,     /* yes or no, kept as its negation */
	T_NTYPES
};

enum key {
#define KEY(id, ...) K_##id,
#include "parsers/config/keys.def"
#undef KEY
	K_COUNT
};

_Static_assert(K_COUNT <= 64, "a keys_seen bit set holds one bit per key");

struct keydef {
	enum sect sect;
	enum ktype type;
	const char *name;
	size_t offset;        /* of the field in the section's object */
	const char *def;      /* NULL: none */
	unsigned long min, max;
	const char *note;     /* NULL: none */
};

extern const struct keydef ccm_keydefs[K_COUNT];
extern const char *const ccm_sect_names[]; /* "[agent]" ..., by sect */

/* The key of that name in section s, or K_COUNT. */
enum key ccm_key_find(enum sect s, const char *name);
bool ccm_key_repeatable(enum key k); /* lists that may outgrow one line */

/* A T_LOGS key's list in obj, and its count, the field right after it
 * (keys.c checks the layout of each struct that holds one). */
static inline char ***ccm_key_logs(enum key k, void *obj, size_t **count)
{
	char ***v = (char ***)((char *)obj + ccm_keydefs[k].offset);

	*count = (size_t *)(v + 1);
	return v;
}

static inline char *const *ccm_key_clogs(enum key k, const void *obj,
					 size_t *count)
{
	const char *base = (const char *)obj + ccm_keydefs[k].offset;

	*count = *(const size_t *)(base + sizeof(char **));
	return *(char *const *const *)base;
}

/* The key's field in obj, an object of the key's section. */
static inline void *ccm_key_field(enum key k, void *obj)
{
	return (char *)obj + ccm_keydefs[k].offset;
}

static inline const void *ccm_key_cfield(enum key k, const void *obj)
{
	return (const char *)obj + ccm_keydefs[k].offset;
}

/* ---- the state of one load ----------------------------------------------- */

/* Where each key of one section was set (0: not set) and which values were
 * rejected, so that checks between keys do not pile onto a reported one. */
struct keys_seen {
	unsigned at[K_COUNT];
	uint64_t bad; /* by key */
};

struct server_aux {
	struct keys_seen k;
	char *profile; /* as written; NULL: the built-in one */
	bool ignored;  /* a duplicate section: checked, never used */
};

struct profile_aux {
	struct keys_seen k;
	bool ignored;
};

struct node_aux {
	struct keys_seen k;
	bool ignored;  /* a duplicate section: checked, never used */
};

/* A [latency NAME] section as read: the rule, first so that a printer
 * finds the rule's fields at the same offsets in a struct ccm_queue_rule,
 * and what is known of it until the checks. */
struct latency_read {
	struct ccm_queue_rule rule;
	struct keys_seen k;
	bool ignored;
	bool disabled;   /* enabled = no */
	uint64_t keyed;  /* by key: its pattern has a group "key" */
};

struct parse {
	const char *path;
	FILE *file;
	struct ccm_findings *fnd;
	struct ccm_config *cfg;
	bool oom;

	/* read_line() */
	char *buf;
	size_t bufcap;
	unsigned lineno;
	int read_errno;

	struct keys_seen agent_k;
	bool have_agent;
	struct ccm_agent_config spare_agent; /* what a second [agent] fills */
	struct keys_seen spare_k;
	struct server_aux *saux;   /* parallel to cfg->servers */
	struct profile_aux *paux;  /* parallel to cfg->profiles */
	struct node_aux *naux;     /* parallel to cfg->nodes */
	size_t scap, pcap, ncap;
	struct latency_read *lat;  /* [latency NAME], as read */
	size_t nlat, lcap;

	/* the section being read */
	enum sect sect;
	size_t cur;                      /* its server, profile, rule or
					  * node */
	struct ccm_agent_config *agent;  /* SECT_AGENT: what it fills */
	struct keys_seen *keys;
	char *label;                     /* "[server cs1]", for messages */
};

/* ---- load.c: strings, lines and findings of a load ----------------------- */

char *ccm_cfg_strdup(struct parse *p, const char *s);
char *ccm_cfg_lskip(char *s);
void ccm_cfg_rstrip(char *s);
/* The first of chars, or an inline comment (';' after white space, as
 * libinih has it), or the end. */
char *ccm_cfg_find_chars_or_comment(char *s, const char *chars);
/* *field becomes a copy of value (kept as it was when out of memory). */
void ccm_cfg_replace(struct parse *p, char **field, const char *value);

__attribute__((format(printf, 6, 7)))
void ccm_cfg_report(struct parse *p, enum ccm_level level, unsigned line,
		    const char *rule, const char *label, const char *fmt, ...);
/* About the line being read, in the section being read. */
__attribute__((format(printf, 3, 4)))
void ccm_cfg_error(struct parse *p, const char *rule, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void ccm_cfg_warn(struct parse *p, const char *rule, const char *fmt, ...);

/* ---- findings.c ---------------------------------------------------------- */

/* By line from index from on, keeping the order within a line. */
void ccm_findings_sort(struct ccm_findings *f, size_t from);

/* ---- keys.c -------------------------------------------------------------- */

void ccm_cfg_mark_bad(struct parse *p, enum key k);
bool ccm_cfg_is_bad(const struct keys_seen *ks, enum key k);
/* Frees the strings and lists that the keys of section s hold in obj (for
 * SECT_LATENCY obj may be a struct ccm_queue_rule: see struct
 * latency_read); their fields become NULL. */
void ccm_cfg_release_keys(enum sect s, void *obj);
/* Gives each key of section s that has a default its default, in obj. */
void ccm_cfg_defaults(struct parse *p, enum sect s, void *obj);

/* ---- values.c ------------------------------------------------------------ */

/* Reads value into obj, the object of the section being read; reports
 * and marks a bad value. */
void ccm_cfg_set(struct parse *p, enum key k, void *obj, const char *value);
/* Letters, digits, '.', '-' and '_', at least one. */
bool ccm_cfg_node_name_ok(const char *s);

/* ---- sections.c ---------------------------------------------------------- */

/* s: a header line from its '[', white space stripped at both ends. */
void ccm_cfg_section_line(struct parse *p, char *s);
struct ccm_profile *ccm_cfg_add_profile(struct parse *p, const char *name,
					bool ignored);

/* ---- objects.c ----------------------------------------------------------- */

void ccm_agent_release(struct ccm_agent_config *a);
void ccm_node_release(struct ccm_node *n);
void ccm_rule_release(struct ccm_queue_rule *r);

/* ---- events.c ------------------------------------------------------------ */

void ccm_cfg_parse_events(struct parse *p, struct ccm_profile *pr,
			  enum ccm_event_type type, const char *value);
/* Four specific packet types with one handling become 'all'. */
void ccm_cfg_normalise_all(struct parse *p, struct ccm_profile *pr,
			   const char *label);
void ccm_cfg_order_events(struct ccm_profile *pr); /* JSM, then TC */
/* The built-in profile's events into pr; false when out of memory. */
bool ccm_cfg_builtin_events(struct ccm_profile *pr);

/* ---- checks.c ------------------------------------------------------------ */

/* After the last line: checks across keys and sections, derived names,
 * the built-in profile and rule, the order of profiles. */
void ccm_cfg_finish(struct parse *p);

/* ---- nodes.c ------------------------------------------------------------- */

/* After the servers' checks: [node] sections, the node of each server,
 * a file two nodes' logs match, and cfg->logs with the node of each. */
void ccm_cfg_check_nodes(struct parse *p);

/* ---- syntax.c ------------------------------------------------------------ */

/* Decimal digits only: no sign, no spaces, no base prefixes. */
int ccm_cfg_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* In units ccm_duration_parse() reads back: "0s", "10s", "1h30m". */
const char *ccm_cfg_format_duration(ccm_ms d, char buf[static 48]);
const char *ccm_cfg_format_size(size_t v, char buf[static 32]);
/* The facility of that name (any case), or -1. */
int ccm_cfg_facility(const char *name);
/* The probe of that name (any case), or -1. */
int ccm_cfg_probe(const char *name);
/* CCM_PACKET_NONE when s names no packet type. */
enum ccm_packet ccm_cfg_packet(const char *s);
const char *ccm_cfg_compliance_name(enum ccm_compliance c);

/* ---- suggest.c ----------------------------------------------------------- */

/* The candidate word is most likely a typo of, or NULL. */
const char *ccm_cfg_suggest(const char *word, const char *const *cands,
			    size_t n);

#endif
