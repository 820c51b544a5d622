/*
 * Helpers shared by the probes. A probe prints a transcript that must be identical natively
 * and under jvisor, so it prints errno names (never numbers that vary by libc message
 * catalogue, never addresses, times or process ids unless a test normalises them).
 */
#ifndef JVISOR_PROBE_H
#define JVISOR_PROBE_H

/* Include this header first: probes use Linux interfaces (accept4, sendmmsg, MAP_32BIT). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How many descriptors below 1024 the process has open (to show that a call made none). */
static inline int open_descriptors(void) {
    int count = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0) count++;
    return count;
}

static inline const char *errno_name(int error) {
    switch (error) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESTALE: return "ESTALE";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case EBADFD: return "EBADFD";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNRESET: return "ECONNRESET";
    case ENOBUFS: return "ENOBUFS";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case ENODATA: return "ENODATA";
    case ESHUTDOWN: return "ESHUTDOWN";
    default: {
        static __thread char unknown[32];
        snprintf(unknown, sizeof unknown, "errno-%d", error);
        return unknown;
    }
    }
}

/* The number of distinct errno values errno_slot() tells apart (slot 0 is success). */
#define ERRNO_SLOTS 160

static inline int errno_slot(int error) {
    return error >= 0 && error < ERRNO_SLOTS ? error : ERRNO_SLOTS - 1;
}

/* One transcript line, written at once and flushed so that a reader sees it immediately
 * and lines of several processes sharing the output do not interleave mid-line. */
__attribute__((format(printf, 1, 2))) static inline void say(const char *format, ...) {
    char line[1024];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (length < 0) return;
    if ((size_t)length >= sizeof line) length = sizeof line - 1;
    fflush(stdout);
    for (ssize_t done = 0; done < length;) {
        ssize_t n = write(STDOUT_FILENO, line + done, (size_t)length - (size_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += n;
    }
}

/* "what: RESULT" on success, "what: -1 ENAME" on failure; errno is preserved. */
static inline long report(const char *what, long result) {
    int saved = errno;
    if (result < 0) say("%s: -1 %s\n", what, errno_name(saved));
    else say("%s: %ld\n", what, result);
    errno = saved;
    return result;
}

/* BYTES as text for a transcript: printable ASCII as is (backslash and quote escaped), every
 * other byte as \xNN, so socket names with NULs and binary bytes print unambiguously. OUT
 * needs 4 * LENGTH + 1 bytes; a longer text is cut short. Returns OUT. */
static inline const char *escape_bytes(char *out, size_t size, const void *bytes, size_t length) {
    const unsigned char *in = bytes;
    size_t used = 0;
    if (size == 0) return out;
    for (size_t i = 0; i < length && used + 5 <= size; i++) {
        unsigned char c = in[i];
        if (c == '\\' || c == '"') used += (size_t)snprintf(out + used, size - used, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f) out[used++] = (char)c;
        else used += (size_t)snprintf(out + used, size - used, "\\x%02x", c);
    }
    out[used] = '\0';
    return out;
}

/* Sends one byte carrying descriptor FD (SCM_RIGHTS) on CHANNEL; 0, or -1 with errno. */
static inline int probe_send_descriptor(int channel, int fd) {
    char byte = 'f';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.space, .msg_controllen = sizeof control.space};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    return sendmsg(channel, &message, 0) == 1 ? 0 : -1;
}

/* The descriptor that one byte received on CHANNEL carries (SCM_RIGHTS), or -1. */
static inline int probe_receive_descriptor(int channel) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.space, .msg_controllen = sizeof control.space};
    if (recvmsg(channel, &message, 0) != 1) return -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

#endif
