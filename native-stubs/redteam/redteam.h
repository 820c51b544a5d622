/*
 * Helpers shared by the red-team programs (issue 15): the witness's names, derived from
 * one token so that the witness and every attacker agree on them without talking, and
 * sockaddr construction. A witness's abstract names come in every length from
 * WITNESS_MIN_ABSTRACT to WITNESS_MAX_ABSTRACT bytes, because an abstract name is exactly
 * addrlen - 2 bytes (unix(7)): an attacker that overwrites a sockaddr whose length it does
 * not choose (the sentry's rewritten one) needs a witness name of that very length.
 */
#ifndef JVISOR_REDTEAM_H
#define JVISOR_REDTEAM_H

#include "../probes/probe.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define WITNESS_MIN_ABSTRACT 12
#define WITNESS_MAX_ABSTRACT 64

/* One address: the sockaddr bytes and the length to pass with them. */
struct rt_addr {
    struct sockaddr_un sun;
    socklen_t length;
};

/* A pathname address (the NUL counted, as SUN_LEN does plus one). */
static inline struct rt_addr rt_path(const char *path) {
    struct rt_addr a;
    memset(&a, 0, sizeof a);
    a.sun.sun_family = AF_UNIX;
    size_t length = strnlen(path, sizeof a.sun.sun_path - 1);
    memcpy(a.sun.sun_path, path, length);
    a.length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a.sun.sun_path) + 1);
    return a;
}

/*
 * The witness's abstract name of kind KIND ('s' stream, 'd' datagram) that is exactly
 * NAME_LENGTH bytes long (the leading NUL included): "\0rtw-TOKEN-K" padded with 'x'.
 * A token too long for the length gives length 0.
 */
static inline struct rt_addr rt_witness_abstract(const char *token, char kind, size_t name_length) {
    struct rt_addr a;
    memset(&a, 0, sizeof a);
    a.sun.sun_family = AF_UNIX;
    char base[sizeof a.sun.sun_path];
    int n = snprintf(base, sizeof base, "rtw-%s-%c", token, kind);
    if (n < 0 || (size_t)n + 1 > name_length || name_length > sizeof a.sun.sun_path) return a;
    memcpy(a.sun.sun_path + 1, base, (size_t)n);
    memset(a.sun.sun_path + 1 + n, 'x', name_length - 1 - (size_t)n);
    a.length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_length);
    return a;
}

/* The shortest abstract name of the witness for KIND. */
static inline struct rt_addr rt_witness_abstract_short(const char *token, char kind) {
    for (size_t length = WITNESS_MIN_ABSTRACT; length <= WITNESS_MAX_ABSTRACT; length++) {
        struct rt_addr a = rt_witness_abstract(token, kind, length);
        if (a.length != 0) return a;
    }
    struct rt_addr none;
    memset(&none, 0, sizeof none);
    return none;
}

/* The witness's path names: DIR/s (stream listener) and DIR/d (datagram socket). */
static inline struct rt_addr rt_witness_path(const char *dir, char kind) {
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
    snprintf(path, sizeof path, "%s/%c", dir, kind);
    return rt_path(path);
}

/* TracerPid of /proc/self/status (0 when not traced). */
static inline long rt_tracer_pid(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return -1;
    char line[256];
    long pid = 0;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "TracerPid: %ld", &pid) == 1) break;
    }
    fclose(status);
    return pid;
}

/* Where jvisor maps the argument region (ptrace-platform ArgumentRegion.ADDRESS). */
#define ARGUMENT_REGION 0x200000000000UL
#define REGION_SCAN (1UL << 20)

/* The end of the mapping that holds ADDRESS (0 if none), from /proc/self/maps. */
static inline uintptr_t mapped_until(uintptr_t address) {
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) return 0;
    char line[512];
    uintptr_t end = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start, stop;
        if (sscanf(line, "%lx-%lx", &start, &stop) == 2 && start <= address && address < stop) {
            end = stop;
            break;
        }
    }
    fclose(maps);
    return end;
}

/*
 * The hidden path in the argument region: the path of the first sockaddr_un (family AF_UNIX,
 * a path starting with '/') in its first MiB that contains "/jvisor-", preferring one equal
 * to PREFERRED. Returns the number of such sockaddrs seen (0: none, or no region).
 */
static inline int rt_scan_region(char *out, size_t size, const char *preferred) {
    uintptr_t end = mapped_until(ARGUMENT_REGION);
    if (end == 0) return 0;
    size_t length = end - ARGUMENT_REGION < REGION_SCAN ? end - ARGUMENT_REGION : REGION_SCAN;
    const unsigned char *region = (const unsigned char *)ARGUMENT_REGION;
    const size_t room = sizeof ((struct sockaddr_un *)0)->sun_path;
    int found = 0;
    out[0] = '\0';
    for (size_t o = 0; o + 3 < length; o++) {
        if (region[o] != AF_UNIX || region[o + 1] != 0 || region[o + 2] != '/') continue;
        char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
        size_t n = strnlen((const char *)region + o + 2, length - o - 2 < room ? length - o - 2 : room);
        memcpy(path, region + o + 2, n);
        path[n] = '\0';
        if (strstr(path, "/jvisor-") == NULL) continue;
        if (found++ == 0 || (preferred[0] != '\0' && strcmp(path, preferred) == 0)) snprintf(out, size, "%s", path);
    }
    return found;
}

#endif
