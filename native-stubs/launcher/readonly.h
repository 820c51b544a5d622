#ifndef JVISOR_READONLY_H
#define JVISOR_READONLY_H

/*
 * Makes DIR read-only for the sandbox, in a mount namespace of its own, when the launcher
 * may (CAP_SYS_ADMIN). Returns 1 when done, 0 when it may not (EPERM: not privileged), -1 on
 * another failure (errno set).
 */
int jvisor_make_read_only(const char *dir);

#endif
