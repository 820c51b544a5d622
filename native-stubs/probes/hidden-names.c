/*
 * The way in (issue 15, route 6): a host process of another uid reads the kernel names of
 * the sandbox's sockets in /proc/net/unix and tries every one of them.
 *
 *   hidden-names serve DIR PREFIX
 *       (under the sandbox) a listener or datagram socket of every kind: stream, seqpacket
 *       and dgram, each bound to DIR/KIND.sock and to the abstract name PREFIX-KIND. Each is
 *       reached once from inside first (so that a refusal later means isolation, not a
 *       socket that was never there). Prints "inode KIND-KIND-OF-NAME N" per socket and
 *       "ready", waits for a line on stdin, then counts what arrived since: connections
 *       queued on the listeners, datagrams queued on the receivers ("arrivals: N").
 *   hidden-names intrude UID INODES [NAME...]
 *       (on the host, started as root) becomes UID (setgroups, setresgid, setresuid), then
 *       tries every name /proc/net/unix lists for the sockets INODES names (a comma-separated
 *       list: the sandbox's, so that other programs' sockets on this host, another test's
 *       listeners among them, are left alone), every socket file it can find under the
 *       jvisor-* directories of /tmp, and each NAME (a path, or "@" and an abstract name), by
 *       connect with a stream and a seqpacket socket and by sendto with a datagram socket.
 *       Prints each success ("reached: NAME by TYPE") and "attempts: N reached: M".
 */
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static const struct {
    const char *name;
    int type;
} kinds[] = {{"stream", SOCK_STREAM}, {"seqpacket", SOCK_SEQPACKET}, {"dgram", SOCK_DGRAM}};

static void die(const char *what) {
    fprintf(stderr, "hidden-names: %s: %s\n", what, errno_name(errno));
    exit(1);
}

static socklen_t make_address(struct sockaddr_un *address, const char *name, int abstract) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t length = strlen(name);
    if (length + 1 > sizeof address->sun_path) return 0;
    if (abstract) {
        memcpy(address->sun_path + 1, name, length);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
    }
    memcpy(address->sun_path, name, length);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
}

/* One inside client per socket, then the arrival taken: the socket is up. */
static void reach_once(int socket_fd, int type, const struct sockaddr_un *address, socklen_t length) {
    int client = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (client < 0) die("socket");
    if (type == SOCK_DGRAM) {
        if (sendto(client, "x", 1, 0, (const struct sockaddr *)address, length) != 1) die("inside sendto");
        char byte;
        if (recv(socket_fd, &byte, 1, 0) != 1) die("inside recv");
    } else {
        if (connect(client, (const struct sockaddr *)address, length) != 0) die("inside connect");
        int accepted = accept4(socket_fd, NULL, NULL, SOCK_CLOEXEC);
        if (accepted < 0) die("inside accept");
        close(accepted);
    }
    close(client);
}

static int serve(const char *directory, const char *prefix) {
    int sockets[6];
    int types[6];
    int count = 0;
    for (int abstract = 0; abstract <= 1; abstract++) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            char name[200];
            if (abstract) snprintf(name, sizeof name, "%s-%s", prefix, kinds[k].name);
            else snprintf(name, sizeof name, "%s/%s.sock", directory, kinds[k].name);
            struct sockaddr_un address;
            socklen_t length = make_address(&address, name, abstract);
            if (length == 0) die("name too long");
            int fd = socket(AF_UNIX, kinds[k].type | SOCK_CLOEXEC, 0);
            if (fd < 0) die("socket");
            if (bind(fd, (const struct sockaddr *)&address, length) != 0) die("bind");
            if (kinds[k].type != SOCK_DGRAM && listen(fd, 64) != 0) die("listen");
            reach_once(fd, kinds[k].type, &address, length);
            if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) die("fcntl");
            struct stat status;
            if (fstat(fd, &status) != 0) die("fstat");
            printf("inode %s-%s %llu\n", kinds[k].name, abstract ? "abstract" : "path",
                   (unsigned long long)status.st_ino);
            sockets[count] = fd;
            types[count] = kinds[k].type;
            count++;
        }
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) die("stdin");
    long arrivals = 0;
    for (int i = 0; i < count; i++) {
        for (;;) {
            if (types[i] == SOCK_DGRAM) {
                char buffer[256];
                if (recv(sockets[i], buffer, sizeof buffer, 0) < 0) break;
            } else {
                int accepted = accept4(sockets[i], NULL, NULL, SOCK_CLOEXEC);
                if (accepted < 0) break;
                close(accepted);
            }
            arrivals++;
        }
    }
    printf("arrivals: %ld\n", arrivals);
    return 0;
}

static long attempts;
static long reached;

/* Tries one kernel name (sockaddr bytes) with every socket type. */
static void try_address(const struct sockaddr_un *address, socklen_t length, const char *shown) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int fd = socket(AF_UNIX, kinds[k].type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) die("socket");
        attempts++;
        int ok = kinds[k].type == SOCK_DGRAM
                ? sendto(fd, "intruder", 8, 0, (const struct sockaddr *)address, length) == 8
                : connect(fd, (const struct sockaddr *)address, length) == 0;
        if (ok) {
            reached++;
            printf("reached: %s by %s\n", shown, kinds[k].name);
        }
        close(fd);
    }
}

/* Every socket file under PATH that this uid can list (depth-limited). */
static void try_tree(const char *path, int depth) {
    DIR *directory = opendir(path);
    if (directory == NULL || depth > 4) {
        if (directory != NULL) closedir(directory);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        struct stat status;
        if (lstat(child, &status) != 0) continue;
        if (S_ISDIR(status.st_mode)) {
            try_tree(child, depth + 1);
        } else if (S_ISSOCK(status.st_mode)) {
            struct sockaddr_un address;
            socklen_t length = make_address(&address, child, 0);
            if (length != 0) try_address(&address, length, child);
        }
    }
    closedir(directory);
}

/* Whether INODE is in the comma-separated list INODES. */
static int listed(const char *inodes, unsigned long inode) {
    const char *at = inodes;
    while (*at != '\0') {
        char *end;
        unsigned long number = strtoul(at, &end, 10);
        if (end == at) return 0;
        if (number == inode) return 1;
        at = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int intrude(uid_t uid, const char *inodes, char **extra, int extra_count) {
    if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) die("setresuid");
    FILE *table = fopen("/proc/net/unix", "r");
    if (table == NULL) die("/proc/net/unix");
    char line[1024];
    if (fgets(line, sizeof line, table) == NULL) die("/proc/net/unix header");
    while (fgets(line, sizeof line, table) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        /* Num RefCount Protocol Flags Type St Inode Path: the inode is the 7th field, the path the 8th. */
        char *field = line;
        unsigned long inode = 0;
        for (int i = 0; i < 7 && field != NULL; i++) {
            field = strchr(field, ' ');
            while (field != NULL && *field == ' ') field++;
            if (i == 5 && field != NULL) inode = strtoul(field, NULL, 10);
        }
        if (field == NULL || *field == '\0' || !listed(inodes, inode)) continue;
        struct sockaddr_un address;
        socklen_t length;
        if (field[0] == '@') {
            /* An abstract name; /proc/net/unix shows its NULs as '@' too, the first included. */
            length = make_address(&address, field + 1, 1);
            for (socklen_t i = offsetof(struct sockaddr_un, sun_path) + 1; i < length; i++) {
                if (address.sun_path[i - offsetof(struct sockaddr_un, sun_path)] == '@')
                    address.sun_path[i - offsetof(struct sockaddr_un, sun_path)] = '\0';
            }
        } else {
            length = make_address(&address, field, 0);
        }
        if (length != 0) try_address(&address, length, field);
    }
    fclose(table);
    DIR *tmp = opendir("/tmp");
    if (tmp != NULL) {
        struct dirent *entry;
        while ((entry = readdir(tmp)) != NULL) {
            if (strncmp(entry->d_name, "jvisor-", 7) != 0) continue;
            char path[4096];
            snprintf(path, sizeof path, "/tmp/%s", entry->d_name);
            try_tree(path, 0);
        }
        closedir(tmp);
    }
    /* The sandbox's own names too: its socket files and abstract names ("@NAME"). */
    for (int i = 0; i < extra_count; i++) {
        struct sockaddr_un address;
        socklen_t length = extra[i][0] == '@' ? make_address(&address, extra[i] + 1, 1)
                                              : make_address(&address, extra[i], 0);
        if (length != 0) try_address(&address, length, extra[i]);
    }
    printf("attempts: %ld reached: %ld\n", attempts, reached);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "serve") == 0) return serve(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "intrude") == 0) return intrude((uid_t)atoi(argv[2]), argv[3], argv + 4, argc - 4);
    fprintf(stderr, "usage: hidden-names serve DIR PREFIX | intrude UID INODES [NAME...]\n");
    return 2;
}
