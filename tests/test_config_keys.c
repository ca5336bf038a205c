/* SPDX-License-Identifier: ISC */
/* Unit tests for the key table made from parsers/config/keys.def: what a
 * new row must satisfy for the loader and the printer to agree.  The
 * values themselves are tested against ccmon.conf(5) in test_config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "parsers/config/config_internal.h"

/* Each name is found, in its section, as itself: one name per section. */
static void test_names_unique(void **state)
{
	(void)state;
	for (size_t k = 0; k < K_COUNT; k++) {
		const struct keydef *kd = &ccm_keydefs[k];

		assert_non_null(kd->name);
		assert_true(kd->sect >= SECT_AGENT && kd->sect <= SECT_NODE);
		assert_int_equal(ccm_key_find(kd->sect, kd->name), k);
		assert_int_equal(ccm_key_find(SECT_NONE, kd->name), K_COUNT);
	}
}

/* Only lists repeat (ccmon.conf(5): log, in [agent] and [node], jsm,
 * tc). */
static void test_repeatable(void **state)
{
	(void)state;
	for (size_t k = 0; k < K_COUNT; k++)
		assert_int_equal(ccm_key_repeatable((enum key)k),
				 k == K_LOG || k == K_NODE_LOG || k == K_JSM ||
				 k == K_TC);
}

static char *write_temp(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	assert_true(asprintf(&path, "%s/ccm-config-keys-XXXXXX",
			     dir && *dir ? dir : "/tmp") > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)),
			 (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	return path;
}

/* Every default is a value its setter takes (a file that sets nothing
 * else has no finding), and the effective configuration prints it as
 * keys.def spells it: the one spelling the operator sees. */
static void test_defaults_print_as_spelled(void **state)
{
	char *path = write_temp("[agent]\nlog = /var/log/a.log\nnode = n1\n"
				"[server s1]\nhost = h\nport = 1\n");
	struct ccm_findings f;
	struct ccm_config *c;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	ccm_findings_init(&f);
	assert_int_equal(ccm_config_load(path, &c, &f), 0);
	assert_int_equal(f.n, 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ccm_config_print(c, out), 0);
	assert_int_equal(fclose(out), 0);
	for (size_t k = 0; k < K_COUNT; k++) {
		const struct keydef *kd = &ccm_keydefs[k];
		char *line;

		if (!kd->def)
			continue;
		assert_true(asprintf(&line, "\n%s = %s\n", kd->name,
				     kd->def) > 0);
		if (!strstr(text, line))
			fail_msg("%s: the default '%s' is not printed as"
				 " spelled", kd->name, kd->def);
		free(line);
	}
	free(text);
	ccm_config_free(c);
	ccm_findings_release(&f);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_defaults_print_as_spelled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
