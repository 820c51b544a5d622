/* The Landlock domain every sandbox process runs in (launcher.c). */
#ifndef JVISOR_LANDLOCK_H
#define JVISOR_LANDLOCK_H

/* Puts the calling thread (and everything it execs and forks) in a new Landlock domain:
 * abstract unix sockets scoped to it on ABI 6 and later; on ABI 1..5 a domain that changes
 * nothing of what the program may do with files. Returns the ABI version applied, 0 when
 * the kernel has no Landlock (nothing done), or -1 with errno set. PR_SET_NO_NEW_PRIVS must
 * already be set. */
int jvisor_enter_landlock_domain(void);

#endif
