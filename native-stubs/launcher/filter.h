/* The seccomp filter of DESIGN.md, "Rules that hold everywhere", rule 1. */
#ifndef JVISOR_FILTER_H
#define JVISOR_FILTER_H

#include <stddef.h>

/* Installs the filter on the calling thread (and so on everything it execs and forks).
 * A NETLINK_SOCK_DIAG socket is trapped (the sentry answers what is read from it).
 * Returns 0, or -1 with errno set. PR_SET_NO_NEW_PRIVS must already be set. */
int jvisor_install_filter(void);

/* Installs a second filter that traps (SECCOMP_RET_TRACE) the x86-64 calls numbered in
 * `calls` whatever their arguments, and allows everything else: filters stack, and the most
 * restrictive answer wins (seccomp(2)), so the first filter's ENOSYS answers stay. Returns
 * 0, or -1 with errno set. */
int jvisor_install_trap_filter(const int *calls, size_t count);

#endif
