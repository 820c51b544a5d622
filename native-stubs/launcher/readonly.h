#ifndef JVISOR_READONLY_H
#define JVISOR_READONLY_H

#include <stddef.h>

/*
 * Makes each of DIRS read-only for the sandbox, in a mount namespace of its own: directly
 * with CAP_SYS_ADMIN, else inside a user namespace of its own. Returns 1 when done, 0 when
 * neither may be made (jvisor then warns: it reads the sandbox's mounts), -1 on another
 * failure (errno set). The caller is then in that namespace.
 */
int jvisor_make_read_only(const char *const *dirs, size_t count);

#endif
