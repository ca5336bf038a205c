/* SPDX-License-Identifier: ISC */
/* ccmon.conf read with libinih, line by line, each finding with its file
 * and line (ccmon.conf(5) lists the rule ids).
 *
 * libinih (Debian's r55) calls its handler without a line number, reads
 * lines into a 200-byte buffer, joins indented lines to the previous value
 * and stops seeing sections that hold no keys.  So lines reach it through
 * read_line(), which counts them, reports what inih would only count as a
 * syntax error (or silently split), takes section headers for itself and
 * hands inih nothing but "key = value" lines, unindented. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <ini.h>

#include "agent/util/safe_open.h"
#include "parsers/config/config_internal.h"

/* ---- strings and findings ------------------------------------------------ */

char *ccm_cfg_strdup(struct parse *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

void ccm_cfg_replace(struct parse *p, char **field, const char *value)
{
	char *d = ccm_cfg_strdup(p, value);

	if (d) {
		free(*field);
		*field = d;
	}
}

__attribute__((format(printf, 6, 0)))
static void vreport(struct parse *p, enum ccm_level level, unsigned line,
		    const char *rule, const char *label, const char *fmt,
		    va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0) {
		p->oom = true;
		return;
	}
	if (label)
		ccm_findings_add(p->fnd, level, p->path, line, rule, "%s %s",
				 label, msg);
	else
		ccm_findings_add(p->fnd, level, p->path, line, rule, "%s", msg);
	free(msg);
}

void ccm_cfg_report(struct parse *p, enum ccm_level level, unsigned line,
		    const char *rule, const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, level, line, rule, label, fmt, ap);
	va_end(ap);
}

void ccm_cfg_error(struct parse *p, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, CCM_LEVEL_ERROR, p->lineno, rule, p->label, fmt, ap);
	va_end(ap);
}

void ccm_cfg_warn(struct parse *p, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, CCM_LEVEL_WARNING, p->lineno, rule, p->label, fmt, ap);
	va_end(ap);
}

/* ---- lines --------------------------------------------------------------- */

char *ccm_cfg_lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

void ccm_cfg_rstrip(char *s)
{
	char *end = s + strlen(s);

	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

char *ccm_cfg_find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static char *blank(char *str)
{
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/* Hands libinih one line per call, so that its count and ours agree; what
 * it must not see becomes an empty line. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n = getline(&p->buf, &p->bufcap, p->file);
	char *s, *eq;
	size_t len;

	if (n < 0) {
		if (ferror(p->file))
			p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	if ((size_t)n != strlen(s)) {
		ccm_cfg_error(p, "syntax", "line holds a NUL byte");
		return blank(str);
	}
	if (p->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	/* No continuation lines: an indented "key = value" is a key, as an
	 * operator who indents a file expects, not part of the value above. */
	s = ccm_cfg_lskip(s);
	ccm_cfg_rstrip(s);
	len = strlen(s);
	if (!*s || *s == ';' || *s == '#')
		return blank(str);
	if (*s == '[') {
		ccm_cfg_section_line(p, s);
		return blank(str);
	}
	eq = ccm_cfg_find_chars_or_comment(s, "=:");
	if (*eq != '=' && *eq != ':') {
		ccm_cfg_error(p, "syntax",
			      "expected 'key = value', '[section]' or a"
			      " comment");
		return blank(str);
	}
	if (num < 3 || len > (size_t)num - 2) {
		ccm_cfg_error(p, "line-too-long",
			      "line is longer than %d characters (libinih's"
			      " limit): split a long log, jsm or tc list over"
			      " several lines with the same key", num - 2);
		return blank(str);
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* ---- keys ---------------------------------------------------------------- */

static void unknown_key(struct parse *p, const char *name)
{
	const char *cands[K_COUNT];
	const char *hint, *where[3];
	size_t n = 0, nwhere = 0;

	/* a key of another section is more likely misplaced than misspelt */
	for (size_t k = 0; k < K_COUNT; k++)
		if (!strcmp(ccm_keydefs[k].name, name))
			where[nwhere++] = ccm_sect_names[ccm_keydefs[k].sect];
	if (nwhere) {
		ccm_cfg_error(p, "unknown-key",
			      "unknown key '%s' here: it belongs in %s%s%s",
			      name, where[0], nwhere > 1 ? " or " : "",
			      nwhere > 1 ? where[1] : "");
		return;
	}
	for (size_t k = 0; k < K_COUNT; k++)
		if (ccm_keydefs[k].sect == p->sect)
			cands[n++] = ccm_keydefs[k].name;
	if ((hint = ccm_cfg_suggest(name, cands, n)))
		ccm_cfg_error(p, "unknown-key",
			      "unknown key '%s'; did you mean '%s'?", name,
			      hint);
	else
		ccm_cfg_error(p, "unknown-key", "unknown key '%s'", name);
}

/* The object the section being read fills. */
static void *section_obj(struct parse *p)
{
	switch (p->sect) {
	case SECT_AGENT:
		return p->agent;
	case SECT_SERVER:
		return &p->cfg->servers[p->cur];
	case SECT_PROFILE:
		return &p->cfg->profiles[p->cur];
	case SECT_NODE:
		return &p->cfg->nodes[p->cur];
	default:
		return &p->lat[p->cur];
	}
}

/* section is libinih's: ours is p->sect (see the top of the file). */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	enum key k;

	(void)section;
	if (p->sect == SECT_NONE) {
		ccm_cfg_error(p, "no-section",
			      "'%s' comes before any section: put it under"
			      " [agent], [node NAME], [server NAME],"
			      " [profile NAME] or [latency NAME]", name);
		return 1;
	}
	if (p->sect == SECT_IGNORED)
		return 1;
	if (!*name) {
		ccm_cfg_error(p, "syntax", "no key before '='");
		return 1;
	}
	k = ccm_key_find(p->sect, name);
	if (k == K_COUNT) {
		unknown_key(p, name);
		return 1;
	}
	if (p->keys->at[k] && !ccm_key_repeatable(k)) {
		ccm_cfg_error(p, "duplicate-key",
			      "'%s' is already set at line %u (only log, jsm"
			      " and tc may repeat)", name, p->keys->at[k]);
		return 1;
	}
	if (!p->keys->at[k])
		p->keys->at[k] = p->lineno;
	ccm_cfg_set(p, k, section_obj(p), value);
	return 1;
}

/* ---- a load -------------------------------------------------------------- */

static void parse_release(struct parse *p)
{
	for (size_t i = 0; i < p->nlat; i++)
		ccm_rule_release(&p->lat[i].rule);
	free(p->lat);
	for (size_t i = 0; i < p->cfg->nservers; i++)
		free(p->saux[i].profile);
	free(p->saux);
	free(p->paux);
	free(p->naux);
	free(p->buf);
	free(p->label);
	ccm_agent_release(&p->spare_agent);
}

/* The configuration with its defaults, and the spare [agent] a second
 * header fills; -1 when out of memory (nothing left allocated). */
static int parse_init(struct parse *p, const char *path)
{
	p->cfg = calloc(1, sizeof(*p->cfg));
	if (!p->cfg)
		return -1;
	ccm_cfg_defaults(p, SECT_AGENT, &p->cfg->agent);
	ccm_cfg_defaults(p, SECT_AGENT, &p->spare_agent);
	if (!p->oom && (p->cfg->path = strdup(path)))
		return 0;
	ccm_agent_release(&p->cfg->agent);
	ccm_agent_release(&p->spare_agent);
	free(p->cfg);
	return -1;
}

/* Read whole, bounded, from a regular file only: a FIFO would hang the
 * agent and /dev/zero fill its memory. */
static void parse_file(struct parse *p)
{
	char *text = NULL;
	size_t len = 0;
	int code = ccm_read_file(p->path, O_RDONLY, CCM_CONFIG_MAX_BYTES,
				 &text, &len);

	if (code == -EFBIG)
		ccm_cfg_report(p, CCM_LEVEL_ERROR, 0, "too-large", NULL,
			       "larger than %zu KiB: not a configuration file",
			       CCM_CONFIG_MAX_BYTES >> 10);
	else if (code == -EIO)
		ccm_cfg_report(p, CCM_LEVEL_ERROR, 0, "read", NULL,
			       "cannot read: %s", strerror(EIO));
	else if (code < 0)
		ccm_cfg_report(p, CCM_LEVEL_ERROR, 0, "open", NULL,
			       "cannot open: %s", ccm_open_strerror(-code));
	else if (!(p->file = fmemopen(text, len, "r")))
		p->oom = true;
	if (p->file) {
		if (ini_parse_stream(read_line, p, on_pair, p) == -2)
			p->oom = true;
		if (p->read_errno)
			ccm_cfg_report(p, CCM_LEVEL_ERROR, 0, "read", NULL,
				       "cannot read: %s",
				       strerror(p->read_errno));
		else
			ccm_cfg_finish(p);
		fclose(p->file);
	}
	free(text);
}

int ccm_config_load(const char *path, struct ccm_config **out,
		    struct ccm_findings *findings)
{
	struct parse p = { .path = path, .fnd = findings };
	size_t first = findings->n, errors = findings->errors;
	bool was_oom = findings->oom;

	*out = NULL;
	if (parse_init(&p, path))
		return -1;
	parse_file(&p);
	parse_release(&p);
	ccm_findings_sort(findings, first);
	if (p.oom || (findings->oom && !was_oom)) {
		ccm_config_free(p.cfg);
		return -1;
	}
	if (findings->errors > errors) {
		ccm_config_free(p.cfg);
		return (int)(findings->errors - errors);
	}
	*out = p.cfg;
	return 0;
}
