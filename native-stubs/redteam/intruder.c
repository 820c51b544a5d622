/*
 * Route 6 of issue 15, the host's side: an intruder of another uid.
 *
 *   intruder BEFORE [INODES]
 *
 * Reads /proc/net/unix and, for every name listed there that BEFORE (a copy of
 * /proc/net/unix taken before the sandbox started) does not list, connects with
 * SOCK_STREAM and SOCK_SEQPACKET and sends a datagram with SOCK_DGRAM, paths and abstract
 * names alike (an abstract name has no permission check, unix(7)). INODES, a file of inode
 * numbers one a line, limits the names to those sockets: on a shared machine the intruder
 * then leaves alone the sockets of others that appeared meanwhile; the names it tries are
 * still the ones any host process can read. Prints "names N attempts N succeeded N": what
 * actually arrives is counted by the sandboxed program.
 */
#include "redteam.h"

#include <sys/types.h>

#define MAX_NAMES 4096

static char *names[MAX_NAMES];
static int name_count;

/* The name field of a /proc/net/unix line (its 8th column), or NULL; INODE gets the 7th. */
static char *listed_name(char *line, unsigned long *inode) {
    int at = 0;
    if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %n", inode, &at) < 1 || at == 0) return NULL;
    char *name = line + at;
    name[strcspn(name, "\n")] = '\0';
    return *name == '\0' ? NULL : name;
}

static int listed_in(const char *file, const char *name) {
    FILE *table = fopen(file, "r");
    if (table == NULL) return 0;
    char line[512];
    unsigned long inode;
    int found = 0;
    while (!found && fgets(line, sizeof line, table) != NULL) {
        char *listed = listed_name(line, &inode);
        found = listed != NULL && strcmp(listed, name) == 0;
    }
    fclose(table);
    return found;
}

static int wanted_inode(const char *file, unsigned long inode) {
    if (file == NULL) return 1;
    FILE *list = fopen(file, "r");
    if (list == NULL) return 0;
    unsigned long listed;
    int found = 0;
    while (!found && fscanf(list, "%lu", &listed) == 1) found = listed == inode;
    fclose(list);
    return found;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: intruder BEFORE [INODES]\n");
        return 2;
    }
    FILE *table = fopen("/proc/net/unix", "r");
    if (table == NULL) {
        perror("intruder: /proc/net/unix");
        return 2;
    }
    char line[512];
    unsigned long inode;
    while (name_count < MAX_NAMES && fgets(line, sizeof line, table) != NULL) {
        char *name = listed_name(line, &inode);
        if (name == NULL || listed_in(argv[1], name) || !wanted_inode(argc == 3 ? argv[2] : NULL, inode)) continue;
        int seen = 0;
        for (int i = 0; i < name_count && !seen; i++) seen = strcmp(names[i], name) == 0;
        if (!seen) names[name_count++] = strdup(name);
    }
    fclose(table);

    long attempts = 0, succeeded = 0;
    const int types[3] = {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
    for (int i = 0; i < name_count; i++) {
        struct rt_addr address;
        if (names[i][0] == '@') {
            /* /proc/net/unix shows every NUL of an abstract name as '@'. */
            memset(&address, 0, sizeof address);
            address.sun.sun_family = AF_UNIX;
            size_t length = strlen(names[i]);
            for (size_t c = 0; c < length && c < sizeof address.sun.sun_path; c++) {
                address.sun.sun_path[c] = names[i][c] == '@' ? '\0' : names[i][c];
            }
            address.length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length);
        } else {
            address = rt_path(names[i]);
        }
        for (int t = 0; t < 3; t++) {
            int fd = socket(AF_UNIX, types[t] | SOCK_CLOEXEC, 0);
            long result;
            if (types[t] == SOCK_DGRAM) {
                result = sendto(fd, "i", 1, MSG_DONTWAIT, (struct sockaddr *)&address.sun, address.length);
            } else {
                result = connect(fd, (struct sockaddr *)&address.sun, address.length);
            }
            attempts++;
            if (result >= 0) {
                succeeded++;
                say("reached %s (type %d)\n", names[i], types[t]);
            }
            close(fd);
        }
    }
    say("names %d attempts %ld succeeded %ld\n", name_count, attempts, succeeded);
    return 0;
}
