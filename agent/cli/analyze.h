/* SPDX-License-Identifier: ISC */
#ifndef CCM_ANALYZE_H
#define CCM_ANALYZE_H

/* `ccmon analyze`: argv[0] is "analyze".  Returns the exit status:
 * 0 success, 1 an input could not be read, 2 usage error. */
int ccm_analyze_main(int argc, char **argv);

#endif
