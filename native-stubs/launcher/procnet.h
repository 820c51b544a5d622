#ifndef JVISOR_PROCNET_H
#define JVISOR_PROCNET_H

/*
 * SERVED is TOP/net/NAME, TOP an empty directory of jvisor's: makes the view on a tmpfs over
 * TOP (TOP/net, and TOP/net.link to it), serves SERVED by FUSE and covers /proc/net with
 * TOP/net.link. The caller must be in the sandbox's own mount namespace. Returns the FUSE
 * device's descriptor (close-on-exec), or -1 with errno set, and then nothing is mounted.
 */
int jvisor_serve_proc_net(const char *served);

#endif
