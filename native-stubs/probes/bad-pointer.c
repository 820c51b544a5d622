/*
 * Trapped calls given bad pointers and lengths. Linux answers EFAULT (or EINVAL for bad
 * lengths) and the program goes on; so must the sandbox, which reads and writes these
 * arguments itself. After every bad call the probe makes good ones and prints their
 * results, so a sandbox that wedged or corrupted state shows up in the transcript.
 */
#include "probe.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Read at run time, so that the compiler neither warns about nor optimises around them. */
static void *volatile bad = (void *)1;
static void *volatile kernel_half = (void *)0xffff800000001000UL;
#define BAD bad
#define KERNEL_HALF kernel_half

static unsigned char *tail_page;  /* the last bytes before an unmapped page */
static unsigned char *read_only;  /* a PROT_READ page */

static void make_pages(void) {
    unsigned char *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    munmap(pages + 4096, 4096);
    tail_page = pages;
    read_only = pages + 2 * 4096;
    mprotect(read_only, 4096, PROT_READ);
}

static void check_message(int from, int to, const char *text) {
    size_t length = strlen(text);
    report("  write good", write(from, text, length));
    char buffer[64] = {0};
    long got = read(to, buffer, sizeof buffer - 1);
    if (got >= 0) say("  read good: %ld \"%s\"\n", got, buffer);
    else report("  read good", got);
}

int main(void) {
    make_pages();
    int fd = (int)report("socket(AF_UNIX, SOCK_STREAM)", socket(AF_UNIX, SOCK_STREAM, 0));

    report("connect(addr 0x1, 110)", connect(fd, BAD, 110));
    report("connect(kernel address, 110)", connect(fd, KERNEL_HALF, 110));
    /* The first 10 bytes are mapped, the rest of the 110 are not: Linux copies all of
     * addrlen before looking at the path, so this faults too. */
    struct sockaddr_un *straddling = (struct sockaddr_un *)(tail_page + 4096 - 10);
    straddling->sun_family = AF_UNIX;
    memcpy(straddling->sun_path, "\0jvx", 4);
    report("connect(addr straddling an unmapped page, 110)", connect(fd, (struct sockaddr *)straddling, 110));
    report("connect(NULL, 0)", connect(fd, NULL, 0));
    struct sockaddr_un good = {.sun_family = AF_UNIX};
    report("connect(addr, addrlen -1)", connect(fd, (struct sockaddr *)&good, (socklen_t)-1));
    report("bind(addr 0x1, 110)", bind(fd, BAD, 110));

    int value = 0;
    socklen_t length = sizeof value;
    report("getsockopt(SO_TYPE, optval 0x1)", getsockopt(fd, SOL_SOCKET, SO_TYPE, BAD, &length));
    report("getsockopt(SO_TYPE, optlen 0x1)", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, BAD));
    length = sizeof value;
    report("getsockopt(SO_TYPE, optval read-only)", getsockopt(fd, SOL_SOCKET, SO_TYPE, read_only, &length));
    report("getsockopt(SO_TYPE, optlen read-only)",
           getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, (socklen_t *)read_only));
    report("setsockopt(SO_PASSCRED, optval 0x1)", setsockopt(fd, SOL_SOCKET, SO_PASSCRED, BAD, sizeof(int)));
    length = sizeof value;
    report("getsockopt(SO_TYPE) good", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length));
    say("  value %s, length %u\n", value == SOCK_STREAM ? "SOCK_STREAM" : "other", (unsigned)length);

    struct sockaddr_un address;
    length = sizeof address;
    report("getsockname(addr 0x1)", getsockname(fd, BAD, &length));
    report("getsockname(addrlen 0x1)", getsockname(fd, (struct sockaddr *)&address, BAD));
    length = sizeof address;
    report("getsockname(addr read-only)", getsockname(fd, (struct sockaddr *)read_only, &length));
    length = sizeof address;
    report("getsockname good", getsockname(fd, (struct sockaddr *)&address, &length));
    say("  family %s, length %u\n", address.sun_family == AF_UNIX ? "AF_UNIX" : "other", (unsigned)length);

    /* Linux creates the pair before it copies the descriptors out and destroys it on EFAULT:
     * the next socket gets the lowest free number again. */
    report("socketpair(sv 0x1)", socketpair(AF_UNIX, SOCK_STREAM, 0, BAD));
    report("socketpair(sv read-only)", socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)read_only));
    int pair[2];
    report("socketpair good", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
    say("  descriptors %d %d\n", pair[0], pair[1]);

    report("sendto(buf 0x1)", sendto(pair[0], BAD, 10, 0, NULL, 0));
    report("send good", send(pair[0], "hello", 5, 0));
    report("recvfrom(buf 0x1)", recvfrom(pair[1], BAD, 10, 0, NULL, NULL));
    report("recvfrom(buf read-only)", recvfrom(pair[1], read_only, 10, 0, NULL, NULL));
    char buffer[16] = {0};
    report("recv good", recv(pair[1], buffer, sizeof buffer - 1, 0));
    say("  data \"%s\"\n", buffer);

    report("sendmsg(msg 0x1)", sendmsg(pair[0], BAD, 0));
    report("recvmsg(msg 0x1)", recvmsg(pair[1], BAD, MSG_DONTWAIT));
    struct iovec bad_iov = {.iov_base = BAD, .iov_len = 4};
    struct msghdr message = {.msg_iov = &bad_iov, .msg_iovlen = 1};
    report("sendmsg(iov_base 0x1)", sendmsg(pair[0], &message, 0));
    message.msg_iov = BAD;
    report("sendmsg(msg_iov 0x1)", sendmsg(pair[0], &message, 0));
    struct iovec iov = {.iov_base = "ctl", .iov_len = 3};
    message = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = BAD, .msg_controllen = 64};
    report("sendmsg(msg_control 0x1)", sendmsg(pair[0], &message, 0));
    report("sendmmsg(msgvec 0x1)", sendmmsg(pair[0], BAD, 1, 0));
    report("recvmmsg(msgvec 0x1)", recvmmsg(pair[1], BAD, 1, MSG_DONTWAIT, NULL));
    report("getpeername(addr 0x1)", getpeername(pair[0], BAD, &length));
    report("shutdown(how 99)", shutdown(pair[0], 99));
    check_message(pair[0], pair[1], "still works");

    /* A listener with an autobound abstract name and three pending connections: Linux takes
     * a connection off the queue before it copies the address out, so each accept that
     * faults loses one; the third is accepted. */
    int listener = (int)report("socket listener", socket(AF_UNIX, SOCK_STREAM, 0));
    struct sockaddr_un unnamed = {.sun_family = AF_UNIX};
    report("bind(autobind)", bind(listener, (struct sockaddr *)&unnamed, sizeof(sa_family_t)));
    report("listen", listen(listener, 4));
    length = sizeof address;
    report("getsockname(listener)", getsockname(listener, (struct sockaddr *)&address, &length));
    say("  abstract %s, length %u\n", address.sun_path[0] == '\0' ? "yes" : "no", (unsigned)length);
    int first = (int)report("socket client 1", socket(AF_UNIX, SOCK_STREAM, 0));
    int second = (int)report("socket client 2", socket(AF_UNIX, SOCK_STREAM, 0));
    int third = (int)report("socket client 3", socket(AF_UNIX, SOCK_STREAM, 0));
    report("connect client 1", connect(first, (struct sockaddr *)&address, length));
    report("connect client 2", connect(second, (struct sockaddr *)&address, length));
    report("connect client 3", connect(third, (struct sockaddr *)&address, length));
    socklen_t peer_length = sizeof good;
    report("accept(addr 0x1)", accept(listener, BAD, &peer_length));
    peer_length = sizeof good;
    report("accept4(addrlen 0x1)", accept4(listener, (struct sockaddr *)&good, BAD, SOCK_CLOEXEC));
    report("fcntl(listener, F_SETFL, O_NONBLOCK)", fcntl(listener, F_SETFL, O_NONBLOCK));
    int server = (int)report("accept4 good", accept4(listener, NULL, NULL, SOCK_CLOEXEC));
    report("accept (none pending)", accept(listener, NULL, NULL));
    char byte = 0;
    report("recv on client 1 (its connection was dropped)", recv(first, &byte, 1, MSG_DONTWAIT));
    check_message(third, server, "accepted");
    report("close listener", close(listener));
    report("socket after all", socket(AF_UNIX, SOCK_DGRAM, 0));
    say("done\n");
    return 0;
}
