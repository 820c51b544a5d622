/* The seccomp filter of DESIGN.md, "Rules that hold everywhere", rule 1. */
#ifndef JVISOR_FILTER_H
#define JVISOR_FILTER_H

/* Installs the filter on the calling thread (and so on everything it execs and forks).
 * Returns 0, or -1 with errno set. PR_SET_NO_NEW_PRIVS must already be set. */
int jvisor_install_filter(void);

#endif
