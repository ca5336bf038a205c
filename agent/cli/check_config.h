/* SPDX-License-Identifier: ISC */
#ifndef CCM_CHECK_CONFIG_H
#define CCM_CHECK_CONFIG_H

/* `ccmon check-config [-c FILE]`: argv[0] is "check-config".  Prints the
 * effective configuration to stdout and every finding to stderr.  Returns
 * the exit status: 0 no errors (warnings allowed), 1 errors or the file
 * could not be read, 2 usage error. */
int ccm_check_config_main(int argc, char **argv);

#endif
