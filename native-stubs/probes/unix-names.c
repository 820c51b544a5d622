/*
 * AF_UNIX naming: bind, getsockname, autobind, address length rules, names in use, stale
 * socket files and when an abstract name is released. The sentry owns both namespaces, so
 * every rule here is one it must reproduce; the transcript is Linux's answer.
 *
 *   unix-names KIND   KIND: stream-path, stream-abstract, seqpacket-path,
 *                     seqpacket-abstract, dgram-path, dgram-abstract
 *
 * Path names are relative (the probe runs in its working directory) and are removed at the
 * start and the end. Abstract names carry the kind, so runs of different kinds can overlap.
 * An autobound name differs on every run: only its shape is printed.
 */
#include "probe.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define FAMILY_LENGTH ((socklen_t)offsetof(struct sockaddr_un, sun_path))
#define PATH_BYTES ((int)sizeof(((struct sockaddr_un *)0)->sun_path))

static const char *kind;
static int type;
static int abstract;

struct name {
    struct sockaddr_storage storage; /* room past sun_path, as the kernel's own copy has */
    socklen_t length;
};

static struct sockaddr *sa(struct name *name) {
    return (struct sockaddr *)&name->storage;
}

static struct sockaddr_un *un(struct name *name) {
    return (struct sockaddr_un *)&name->storage;
}

/* A filesystem name: the path and its terminating NUL. */
static struct name path_name(const char *path) {
    struct name name;
    memset(&name, 0, sizeof name);
    un(&name)->sun_family = AF_UNIX;
    size_t length = strlen(path);
    memcpy(un(&name)->sun_path, path, length);
    name.length = FAMILY_LENGTH + (socklen_t)length + 1;
    return name;
}

/* An abstract name: a leading NUL, then TEXT (no terminator: addrlen alone bounds it). */
static struct name abstract_name(const char *text) {
    struct name name;
    memset(&name, 0, sizeof name);
    un(&name)->sun_family = AF_UNIX;
    size_t length = strlen(text);
    memcpy(un(&name)->sun_path + 1, text, length);
    name.length = FAMILY_LENGTH + 1 + (socklen_t)length;
    return name;
}

/* The kind's own name with SUFFIX: "names-KIND-SUFFIX.sock" or "\0jvisor-names-KIND-SUFFIX". */
static struct name kind_name(const char *suffix) {
    char text[96];
    if (abstract) {
        snprintf(text, sizeof text, "jvisor-names-%s-%s", kind, suffix);
        return abstract_name(text);
    }
    snprintf(text, sizeof text, "names-%s-%s.sock", kind, suffix);
    return path_name(text);
}

static int new_socket(void) {
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0) {
        say("socket: -1 %s\n", errno_name(errno));
        exit(1);
    }
    return fd;
}

static const char *family_name(sa_family_t family) {
    return family == AF_UNIX ? "AF_UNIX" : "other";
}

/* "what: 0 len N family F name "..."" with the bytes the kernel wrote (at most CAPACITY). */
static void show_sockname(const char *what, int fd, socklen_t capacity) {
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    socklen_t length = capacity;
    if (getsockname(fd, (struct sockaddr *)&storage, &length) < 0) {
        say("%s: -1 %s\n", what, errno_name(errno));
        return;
    }
    socklen_t copied = length < capacity ? length : capacity;
    char text[4 * sizeof storage + 1];
    const struct sockaddr_un *address = (const struct sockaddr_un *)&storage;
    escape_bytes(text, sizeof text, address->sun_path, copied > FAMILY_LENGTH ? copied - FAMILY_LENGTH : 0);
    say("%s: 0 len %u family %s name \"%s\"\n", what, (unsigned)length,
        copied >= sizeof(sa_family_t) ? family_name(address->sun_family) : "-", text);
}

static void show_name(const char *what, int fd) {
    show_sockname(what, fd, sizeof(struct sockaddr_un));
}

static int try_bind(const char *what, int fd, struct name *name) {
    return (int)report(what, bind(fd, sa(name), name->length));
}

/* The file at a path name: "socket", "absent" or another type. */
static void show_file(const char *what, struct name *name) {
    struct stat st;
    if (lstat(un(name)->sun_path, &st) < 0) say("%s: %s\n", what, errno == ENOENT ? "absent" : errno_name(errno));
    else say("%s: %s\n", what, S_ISSOCK(st.st_mode) ? "socket" : S_ISLNK(st.st_mode) ? "symlink" : "not a socket");
}

/* Every file name the probe may create, so a run starts and ends with none of them. */
static const char *const path_suffixes[] = {"main", "trail", "embedded", "short", "stale", "link", "moved"};

static void full_path(char *out) {
    /* PATH_BYTES characters and no NUL: the whole of sun_path. */
    int used = snprintf(out, (size_t)PATH_BYTES + 1, "names-%s-full-", kind);
    memset(out + used, 'x', (size_t)(PATH_BYTES - used));
    out[PATH_BYTES] = '\0';
}

static void remove_files(void) {
    if (abstract) return;
    for (size_t i = 0; i < sizeof path_suffixes / sizeof *path_suffixes; i++) {
        struct name name = kind_name(path_suffixes[i]);
        unlink(un(&name)->sun_path);
    }
    char full[PATH_BYTES + 1];
    full_path(full);
    unlink(full);
    char plain[96];
    snprintf(plain, sizeof plain, "names-%s-file", kind);
    unlink(plain);
}

static void unbound(void) {
    say("== unbound socket\n");
    int fd = new_socket();
    show_name("getsockname(unbound)", fd);
    /* A buffer shorter than the family: the kernel copies what fits and still says 2. */
    show_sockname("getsockname(unbound, addrlen 1)", fd, 1);
    show_sockname("getsockname(unbound, addrlen 0)", fd, 0);
    struct sockaddr_un address;
    report("getsockname(addr 0x1)", getsockname(fd, (struct sockaddr *)1, &(socklen_t){sizeof address}));
    report("getsockname(addrlen 0x1)", getsockname(fd, (struct sockaddr *)&address, (socklen_t *)1));
    close(fd);
}

static void bind_main(void) {
    say("== bind to the kind's name\n");
    struct name name = kind_name("main");
    int fd = new_socket();
    try_bind("bind(main)", fd, &name);
    show_name("getsockname(main)", fd);
    show_sockname("getsockname(main, addrlen 5)", fd, 5);
    if (!abstract) show_file("file(main)", &name);

    /* net/unix/af_unix.c: unix_bind_bsd/unix_bind_abstract: a bound socket gives EINVAL,
     * but unix_bind_bsd makes the file first, so a path that exists is EADDRINUSE; a new
     * path is made and unlinked again. An autobind request on a bound socket succeeds
     * (unix_autobind: nothing to do). */
    struct name other = kind_name("short");
    try_bind("bind(bound socket, same name)", fd, &name);
    try_bind("bind(bound socket, other name)", fd, &other);
    if (!abstract) show_file("file(other name after the failed bind)", &other);
    report("bind(bound socket, autobind)", bind(fd, sa(&name), sizeof(sa_family_t)));
    show_name("getsockname(main, after the failed binds)", fd);

    int second = new_socket();
    try_bind("bind(name in use)", second, &name);
    show_name("getsockname(after EADDRINUSE)", second);
    if (!abstract) {
        /* The same file by another spelling: a path name is the inode, not the string. */
        char dotted[120];
        snprintf(dotted, sizeof dotted, "./%s", un(&name)->sun_path);
        struct name spelled = path_name(dotted);
        try_bind("bind(./ spelling of the name in use)", second, &spelled);
    }
    /* net/unix/af_unix.c: unix_abstract_hash mixes the socket type into the hash chain an
     * abstract name is looked up in, so each type has its own abstract namespace; a path
     * name is a file, one for all types. */
    static const struct {
        int type;
        const char *text;
    } types[] = {{SOCK_STREAM, "SOCK_STREAM"}, {SOCK_SEQPACKET, "SOCK_SEQPACKET"}, {SOCK_DGRAM, "SOCK_DGRAM"}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (types[i].type == type) continue;
        int typed = socket(AF_UNIX, types[i].type, 0);
        char what[80];
        snprintf(what, sizeof what, "bind(name in use, %s socket)", types[i].text);
        try_bind(what, typed, &name);
        close(typed);
    }
    try_bind("bind(other name after EADDRINUSE)", second, &other);
    show_name("getsockname(other)", second);
    close(second);
    close(fd);
    if (!abstract) {
        unlink(un(&name)->sun_path);
        unlink(un(&other)->sun_path);
    }
}

static int is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Says whether the name is the autobind shape (unix(7): abstract, five hex digits), never the name. */
static int autobind_shape(const char *what, int fd, struct name *out) {
    memset(out, 0, sizeof *out);
    out->length = sizeof(struct sockaddr_un);
    if (getsockname(fd, sa(out), &out->length) < 0) {
        say("%s: -1 %s\n", what, errno_name(errno));
        return 0;
    }
    const char *path = un(out)->sun_path;
    int name_bytes = (int)out->length - (int)FAMILY_LENGTH - 1;
    int hex = name_bytes > 0;
    for (int i = 0; i < name_bytes; i++) hex = hex && is_hex_digit(path[1 + i]);
    say("%s: len %u family %s abstract %s name bytes %d lowercase hex %s\n", what, (unsigned)out->length,
        family_name(un(out)->sun_family), path[0] == '\0' ? "yes" : "no", name_bytes, hex ? "yes" : "no");
    return 1;
}

static void autobind(void) {
    say("== autobind (addrlen == sizeof(sa_family_t))\n");
    struct name request = kind_name("main");
    int fd = new_socket();
    report("bind(autobind)", bind(fd, sa(&request), sizeof(sa_family_t)));
    struct name first;
    autobind_shape("getsockname(autobound)", fd, &first);
    /* net/unix/af_unix.c: unix_autobind returns 0 for a socket that has a name already,
     * where a bind to a name gives EINVAL; the name stays. */
    report("bind(autobind again)", bind(fd, sa(&request), sizeof(sa_family_t)));
    struct name again;
    autobind_shape("getsockname(after autobind again)", fd, &again);
    say("name kept: %s\n",
        again.length == first.length && memcmp(&again.storage, &first.storage, first.length) == 0 ? "yes" : "no");

    int fd2 = new_socket();
    struct sockaddr_un family_only = {.sun_family = AF_UNIX};
    report("bind(second autobind)", bind(fd2, (struct sockaddr *)&family_only, sizeof(sa_family_t)));
    struct name second;
    autobind_shape("getsockname(second autobound)", fd2, &second);
    say("autobind names differ: %s\n",
        first.length != second.length || memcmp(&first.storage, &second.storage, first.length) != 0 ? "yes" : "no");

    /* An autobound name is an ordinary abstract name: taken while the socket lives. */
    int fd3 = new_socket();
    report("bind(explicitly to the autobound name)", bind(fd3, sa(&first), first.length));
    close(fd);
    report("bind(the autobound name after its socket closed)", bind(fd3, sa(&first), first.length));
    struct name third;
    autobind_shape("getsockname(bound to the former autobind name)", fd3, &third);
    say("same name as the first autobind: %s\n",
        third.length == first.length && memcmp(&third.storage, &first.storage, first.length) == 0 ? "yes" : "no");
    close(fd3);
    close(fd2);

    /* Autobind needs sun_family == AF_UNIX: otherwise the address is checked as a name. */
    int fd4 = new_socket();
    struct sockaddr_un inet_family = {.sun_family = AF_INET};
    report("bind(family AF_INET, addrlen 2)", bind(fd4, (struct sockaddr *)&inet_family, sizeof(sa_family_t)));
    show_name("getsockname(after the AF_INET autobind attempt)", fd4);
    close(fd4);
}

static void address_lengths(void) {
    say("== address length and family rules\n");
    struct name name = kind_name("main");
    int fd = new_socket();
    report("bind(addrlen sizeof(sockaddr_un) + 1)", bind(fd, sa(&name), sizeof(struct sockaddr_un) + 1));
    report("bind(addrlen 128)", bind(fd, sa(&name), sizeof(struct sockaddr_storage)));
    report("bind(addrlen 129)", bind(fd, sa(&name), sizeof(struct sockaddr_storage) + 1));
    report("bind(addrlen 0)", bind(fd, sa(&name), 0));
    report("bind(addrlen 1)", bind(fd, sa(&name), 1));
    report("bind(addrlen -1)", bind(fd, sa(&name), (socklen_t)-1));
    report("bind(NULL, 0)", bind(fd, NULL, 0));
    report("bind(addr 0x1, 110)", bind(fd, (struct sockaddr *)1, sizeof(struct sockaddr_un)));
    struct name wrong = name;
    un(&wrong)->sun_family = AF_INET;
    report("bind(family AF_INET)", bind(fd, sa(&wrong), wrong.length));
    un(&wrong)->sun_family = AF_UNSPEC;
    report("bind(family AF_UNSPEC)", bind(fd, sa(&wrong), wrong.length));
    show_name("getsockname(after the rejected binds)", fd);
    if (!abstract) show_file("file(main after the rejected binds)", &name);
    close(fd);
}

static void path_forms(void) {
    say("== path forms\n");
    /* addrlen counting NULs past the terminator: unix_mkname_bsd takes strlen(sun_path). */
    struct name trail = kind_name("trail");
    trail.length += 3;
    int fd = new_socket();
    try_bind("bind(path, addrlen with 3 extra NULs)", fd, &trail);
    show_name("getsockname(trail)", fd);
    close(fd);

    /* A NUL inside the path ends it: the rest of sun_path is ignored. */
    struct name embedded = kind_name("embedded");
    char *path = un(&embedded)->sun_path;
    size_t cut = strlen(path);
    memcpy(path + cut + 1, "ignored", 7);
    embedded.length += 8;
    fd = new_socket();
    try_bind("bind(path, NUL then \"ignored\")", fd, &embedded);
    show_name("getsockname(embedded)", fd);
    close(fd);

    /* No terminator inside addrlen: the kernel adds it. */
    struct name no_nul = kind_name("short");
    no_nul.length -= 1;
    fd = new_socket();
    try_bind("bind(path, addrlen without the NUL)", fd, &no_nul);
    show_name("getsockname(short)", fd);
    close(fd);

    /* All 108 bytes of sun_path and no NUL: the kernel's copy of the address is a
     * sockaddr_storage, so it terminates the path past sun_path and the name is 111 long. */
    char full[PATH_BYTES + 1];
    full_path(full);
    struct name whole;
    memset(&whole, 0, sizeof whole);
    un(&whole)->sun_family = AF_UNIX;
    memcpy(un(&whole)->sun_path, full, PATH_BYTES);
    memset((char *)&whole.storage + sizeof(struct sockaddr_un), 'y', sizeof whole.storage - sizeof(struct sockaddr_un));
    whole.length = sizeof(struct sockaddr_un);
    fd = new_socket();
    try_bind("bind(path filling sun_path, no NUL)", fd, &whole);
    show_sockname("getsockname(full, addrlen 110)", fd, sizeof(struct sockaddr_un));
    show_sockname("getsockname(full, addrlen 128)", fd, sizeof(struct sockaddr_storage));
    struct stat st;
    say("file(full, 108 characters): %s\n", lstat(full, &st) == 0 && S_ISSOCK(st.st_mode) ? "socket" : "missing");
    close(fd);
    unlink(full);

    struct name missing = path_name("names-missing-dir/sock");
    fd = new_socket();
    try_bind("bind(path in a missing directory)", fd, &missing);
    char file[96];
    snprintf(file, sizeof file, "names-%s-file", kind);
    int plain = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(plain);
    char below[120];
    snprintf(below, sizeof below, "%s/sock", file);
    struct name under_file = path_name(below);
    try_bind("bind(path below a regular file)", fd, &under_file);
    struct name on_file = path_name(file);
    try_bind("bind(path of an existing regular file)", fd, &on_file);
    struct name on_dir = path_name(".");
    try_bind("bind(\".\")", fd, &on_dir);
    /* mknod does not follow a final symlink: a dangling link is a name in use. */
    struct name link = kind_name("link");
    symlink("names-nowhere", un(&link)->sun_path);
    try_bind("bind(path of a dangling symlink)", fd, &link);
    show_name("getsockname(after the failed path binds)", fd);
    close(fd);
    unlink(file);
    unlink(un(&link)->sun_path);
}

static void abstract_forms(void) {
    say("== abstract forms\n");
    /* Every byte within addrlen is the name: NULs inside or at the end included. */
    struct name plain = kind_name("embedded");
    struct name embedded = plain;
    memcpy(un(&embedded)->sun_path + (embedded.length - FAMILY_LENGTH), "\0tail", 5);
    embedded.length += 5;
    struct name trailing = plain;
    trailing.length += 2;
    int a = new_socket(), b = new_socket(), c = new_socket(), d = new_socket();
    try_bind("bind(abstract with NUL then \"tail\")", a, &embedded);
    show_name("getsockname(embedded)", a);
    try_bind("bind(abstract with 2 trailing NULs)", b, &trailing);
    show_name("getsockname(trailing)", b);
    try_bind("bind(the same name without them)", c, &plain);
    show_name("getsockname(plain)", c);
    try_bind("bind(name with 2 trailing NULs again)", d, &trailing);
    close(a);
    close(b);
    close(c);
    close(d);

    /* The longest abstract name: sun_path holds the leading NUL and 107 bytes. */
    struct name longest;
    memset(&longest, 0, sizeof longest);
    un(&longest)->sun_family = AF_UNIX;
    int used = snprintf(un(&longest)->sun_path + 1, (size_t)PATH_BYTES - 1, "jvisor-names-%s-long-", kind);
    memset(un(&longest)->sun_path + 1 + used, 'z', (size_t)(PATH_BYTES - 1 - used));
    longest.length = sizeof(struct sockaddr_un);
    a = new_socket();
    try_bind("bind(abstract, addrlen 110)", a, &longest);
    show_name("getsockname(longest)", a);
    close(a);
}

static void connect_to(const char *what, struct name *name) {
    int fd = new_socket();
    report(what, connect(fd, sa(name), name->length));
    close(fd);
}

static void send_to(const char *what, struct name *name) {
    int fd = new_socket();
    report(what, sendto(fd, "x", 1, MSG_NOSIGNAL, sa(name), name->length));
    close(fd);
}

/* A receiving end at NAME: listening for stream and seqpacket, bound for datagrams. */
static int receiver(const char *what, struct name *name) {
    int fd = new_socket();
    try_bind(what, fd, name);
    if (type != SOCK_DGRAM) report("listen", listen(fd, 4));
    return fd;
}

static void stale_file(void) {
    say("== socket file after close\n");
    struct name name = kind_name("stale");
    int fd = new_socket();
    try_bind("bind(stale)", fd, &name);
    close(fd);
    show_file("file(stale) after close", &name);
    fd = new_socket();
    try_bind("bind(stale file)", fd, &name);
    /* unix_find_bsd: the inode is a socket file but no socket has it. */
    connect_to("connect(stale file)", &name);
    send_to("sendto(stale file)", &name);
    report("unlink(stale)", unlink(un(&name)->sun_path));
    try_bind("bind(after unlink)", fd, &name);
    close(fd);
    unlink(un(&name)->sun_path);

    say("== path name unlinked while its socket lives\n");
    int first = receiver("bind(first)", &name);
    report("unlink(first's file)", unlink(un(&name)->sun_path));
    show_name("getsockname(first, file gone)", first);
    connect_to("connect(unlinked name)", &name);
    send_to("sendto(unlinked name)", &name);
    int second = receiver("bind(second, same path)", &name);
    connect_to("connect(reaches the second socket)", &name);
    close(second);
    close(first);
    unlink(un(&name)->sun_path);

    say("== socket file moved and linked\n");
    struct name moved = kind_name("moved");
    struct name link = kind_name("link");
    first = receiver("bind(to be moved)", &name);
    report("rename(to moved)", rename(un(&name)->sun_path, un(&moved)->sun_path));
    show_name("getsockname(after rename)", first);
    connect_to("connect(old path)", &name);
    connect_to("connect(new path)", &moved);
    report("symlink(to moved)", symlink(un(&moved)->sun_path, un(&link)->sun_path));
    connect_to("connect(through the symlink)", &link);
    close(first);
    connect_to("connect(moved, socket closed)", &moved);
    unlink(un(&moved)->sun_path);
    unlink(un(&link)->sun_path);
}

static void abstract_release(void) {
    say("== abstract name released with the last descriptor\n");
    struct name name = kind_name("release");
    int fd = receiver("bind(release)", &name);
    int copy = dup(fd);
    close(fd);
    int other = new_socket();
    try_bind("bind(name, a dup still open)", other, &name);
    connect_to("connect(name, a dup still open)", &name);
    close(copy);
    connect_to("connect(released name)", &name);
    send_to("sendto(released name)", &name);
    try_bind("bind(released name)", other, &name);
    close(other);

    /* A child's copy keeps the socket, and the name, alive until the child exits. */
    fd = new_socket();
    try_bind("bind(release, then fork)", fd, &name);
    int gate[2];
    if (pipe(gate) < 0) exit(1);
    pid_t child = fork();
    if (child == 0) {
        close(gate[1]);
        char byte;
        while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(gate[0]);
    close(fd);
    other = new_socket();
    try_bind("bind(name, the child's copy open)", other, &name);
    close(gate[1]);
    int status;
    waitpid(child, &status, 0);
    say("child exited: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "status 0" : "abnormally");
    try_bind("bind(name after the child exited)", other, &name);
    close(other);
}

int main(int argc, char **argv) {
    static const struct {
        const char *kind;
        int type;
        int abstract;
    } kinds[] = {
        {"stream-path", SOCK_STREAM, 0},       {"stream-abstract", SOCK_STREAM, 1},
        {"seqpacket-path", SOCK_SEQPACKET, 0}, {"seqpacket-abstract", SOCK_SEQPACKET, 1},
        {"dgram-path", SOCK_DGRAM, 0},         {"dgram-abstract", SOCK_DGRAM, 1},
    };
    for (size_t i = 0; argc == 2 && i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(argv[1], kinds[i].kind) == 0) {
            kind = kinds[i].kind;
            type = kinds[i].type;
            abstract = kinds[i].abstract;
        }
    }
    if (kind == NULL) {
        fprintf(stderr, "usage: unix-names stream-path|stream-abstract|seqpacket-path|seqpacket-abstract|"
                        "dgram-path|dgram-abstract\n");
        return 2;
    }
    say("unix-names %s\n", kind);
    remove_files();
    unbound();
    bind_main();
    autobind();
    address_lengths();
    if (abstract) {
        abstract_forms();
        abstract_release();
    } else {
        path_forms();
        stale_file();
    }
    remove_files();
    say("done\n");
    return 0;
}
