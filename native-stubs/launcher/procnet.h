#ifndef JVISOR_PROCNET_H
#define JVISOR_PROCNET_H

/*
 * Serves SERVED (DIR/net/NAME, an empty file jvisor made) by FUSE and covers /proc/net with
 * DIR/net.link, a symlink to DIR/net: the caller must be in the sandbox's own mount
 * namespace. Returns the FUSE device's descriptor (close-on-exec), or -1 with errno set,
 * and then nothing is mounted.
 */
int jvisor_serve_proc_net(const char *served);

#endif
