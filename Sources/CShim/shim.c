// CShim implementation: thin wrappers over Linux calls Swift's Glibc module does not export.
// See include/CShim.h for why this target exists.
#define _GNU_SOURCE
#include "CShim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int cshim_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cshim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    int cop = op == 0 ? EPOLL_CTL_ADD : op == 1 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return epoll_ctl(epfd, cop, fd, &ev) < 0 ? -errno : 0;
}

int cshim_epoll_wait(int epfd, cshim_epoll_event *out, int max, int timeout_ms) {
    struct epoll_event evs[1024];
    if (max > 1024) max = 1024;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        out[i].data = evs[i].data.u64;
        out[i].events = evs[i].events;
    }
    return n;
}

int cshim_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

void cshim_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t r;
    do { r = write(fd, &one, sizeof one); } while (r < 0 && errno == EINTR);
}

void cshim_eventfd_drain(int fd) {
    uint64_t value;
    ssize_t r;
    do { r = read(fd, &value, sizeof value); } while (r < 0 && errno == EINTR);
}

static void format_address(const struct sockaddr *sa, char *out, size_t out_len, int *port) {
    char host[INET6_ADDRSTRLEN] = "?";
    int p = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        p = ntohs(in->sin_port);
        if (out) snprintf(out, out_len, "%s:%d", host, p);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        p = ntohs(in6->sin6_port);
        if (out) snprintf(out, out_len, "[%s]:%d", host, p);
    } else if (out && out_len > 0) {
        snprintf(out, out_len, "unknown");
    }
    if (port) *port = p;
}

int cshim_listen_tcp(const char *host, int port, int backlog, char *bound_host, size_t bound_host_len, int *bound_port) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0 || res == NULL) return gai == EAI_SYSTEM ? -errno : -ENOENT;

    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { int e = errno; freeaddrinfo(res); return -e; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        int e = errno; close(fd); freeaddrinfo(res); return -e;
    }
    freeaddrinfo(res);

    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) { int e = errno; close(fd); return -e; }
    char hostbuf[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, hostbuf, sizeof hostbuf);
        if (bound_port) *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, hostbuf, sizeof hostbuf);
        if (bound_port) *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    if (bound_host && bound_host_len > 0) snprintf(bound_host, bound_host_len, "%s", hostbuf);
    return fd;
}

int cshim_accept(int listen_fd, int nodelay, char *peer, size_t peer_len) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    if (nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    format_address((struct sockaddr *)&ss, peer, peer_len, NULL);
    return fd;
}

ssize_t cshim_send(int fd, const void *buf, size_t len) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return n < 0 ? -errno : n;
}

ssize_t cshim_recv(int fd, void *buf, size_t len) {
    ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
    return n < 0 ? -errno : n;
}

void cshim_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}

long cshim_raise_nofile_limit(long wanted) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if ((long)rl.rlim_cur >= wanted) return (long)rl.rlim_cur;
    rlim_t target = (rlim_t)wanted;
    if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max) target = rl.rlim_max;
    rl.rlim_cur = target;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return (long)rl.rlim_cur;
}

int cshim_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
    }
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int cshim_set_batch_scheduling(void) {
    struct sched_param param;
    memset(&param, 0, sizeof param);
    return sched_setscheduler(0, SCHED_BATCH, &param) < 0 ? -errno : 0;
}

uint64_t cshim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *const DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void cshim_http_date(int64_t unix_seconds, char out[30]) {
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", DAYS[tm.tm_wday], tm.tm_mday, MONTHS[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void cshim_rfc3339_now(char out[32]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

int cshim_name_thread(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof short_name - 1);
    short_name[sizeof short_name - 1] = 0;
    return pthread_setname_np(pthread_self(), short_name);
}

int cshim_pin_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= 0) {
        CPU_SET(cpu, &set);
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++) CPU_SET(i, &set);
    }
    return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : 0;
}

const void *cshim_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len) {
    return memmem(haystack, haystack_len, needle, needle_len);
}

int cshim_pipe2(int fds[2], int nonblocking) {
    return pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0)) < 0 ? -errno : 0;
}

// ---- child processes ----

typedef struct spawn_report {
    int32_t stage;
    int32_t error;
} spawn_report;

static void close_quietly(int fd) {
    if (fd >= 0) close(fd);
}

// In the child: reports the failed step to the parent and exits. Async-signal-safe.
static void child_fail(int report_fd, int32_t stage, int error) {
    spawn_report r = {stage, error};
    ssize_t n;
    do { n = write(report_fd, &r, sizeof r); } while (n < 0 && errno == EINTR);
    _exit(127);
}

// In the child: returns `fd` if it is above stdio, else a close-on-exec duplicate at >= 3, so the
// dup2 calls onto 0, 1, 2 never clobber a source that happens to sit there.
static int child_lift(int fd) {
    return fd >= 3 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

// In the child: closes every fd in [low, high] (high may be ~0U for "to the end").
static void child_close_range(unsigned low, unsigned high, long max_fd) {
    if (low > high) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, low, high, 0) == 0) return;
#endif
    long last = (long)high < max_fd ? (long)high : max_fd - 1;
    for (long fd = (long)low; fd <= last; fd++) close((int)fd);
}

int cshim_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                int stderr_nonblocking, cshim_spawn_result *out) {
    out->pid = -1;
    out->pidfd = -1;
    out->stdin_fd = out->stdout_fd = out->stderr_fd = -1;
    out->stage = CSHIM_SPAWN_OK;
    out->error = 0;

    // [0] = read end, [1] = write end; everything close-on-exec from birth.
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, report[2] = {-1, -1};
    if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
        pipe2(report, O_CLOEXEC) < 0) {
        int e = errno;
        close_quietly(in_pipe[0]); close_quietly(in_pipe[1]);
        close_quietly(out_pipe[0]); close_quietly(out_pipe[1]);
        close_quietly(err_pipe[0]); close_quietly(err_pipe[1]);
        close_quietly(report[0]); close_quietly(report[1]);
        out->stage = CSHIM_SPAWN_PIPE;
        out->error = e;
        return -e;
    }

    struct rlimit nofile;
    long max_fd = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY ? (long)nofile.rlim_cur : 65536;
    if (max_fd > 1048576) max_fd = 1048576;
    pid_t parent = getpid();

    // Block every signal in this thread across fork, so no handler of ours can run in the child
    // before its dispositions are reset.
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);

    pid_t pid = fork();
    if (pid == 0) {
        // The child. Only async-signal-safe calls from here to execve.
        // The raw syscall, because glibc's sigaction refuses its reserved signals 32 and 33,
        // which an exec'd program would otherwise inherit as ignored. All-zero kernel
        // `struct sigaction` = SIG_DFL, no flags, empty mask, on every architecture.
        uint64_t dfl[8];
        memset(dfl, 0, sizeof dfl);
        for (int sig = 1; sig < _NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            syscall(SYS_rt_sigaction, sig, dfl, NULL, (size_t)((_NSIG - 1) / 8));
        }
        int rep = child_lift(report[1]);
        if (rep < 0) _exit(127);
        if (setpgid(0, 0) < 0) child_fail(rep, CSHIM_SPAWN_SETPGID, errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_fail(rep, CSHIM_SPAWN_PDEATHSIG, errno);
        if (getppid() != parent) child_fail(rep, CSHIM_SPAWN_ORPHANED, ESRCH);

        int child_in = child_lift(in_pipe[0]);
        int child_out = child_lift(out_pipe[1]);
        int child_err = child_lift(err_pipe[1]);
        if (child_in < 0 || child_out < 0 || child_err < 0) child_fail(rep, CSHIM_SPAWN_DUP, errno);
        if (dup2(child_in, 0) < 0 || dup2(child_out, 1) < 0 || dup2(child_err, 2) < 0)
            child_fail(rep, CSHIM_SPAWN_DUP, errno);

        // Everything but 0, 1, 2 and the report pipe (close-on-exec, so exec closes it too).
        if (rep > 3) child_close_range(3, (unsigned)rep - 1, max_fd);
        child_close_range((unsigned)rep + 1, ~0U, max_fd);

        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        if (cwd != NULL && chdir(cwd) < 0) child_fail(rep, CSHIM_SPAWN_CHDIR, errno);
        execve(path, argv, envp);
        child_fail(rep, CSHIM_SPAWN_EXEC, errno);
    }

    int fork_error = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(report[1]);
    if (pid < 0) {
        close(in_pipe[1]); close(out_pipe[0]); close(err_pipe[0]); close(report[0]);
        out->stage = CSHIM_SPAWN_FORK;
        out->error = fork_error;
        return -fork_error;
    }

    spawn_report r = {CSHIM_SPAWN_OK, 0};
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(report[0], (char *)&r + got, sizeof r - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(report[0]);
    if (got != 0) {
        if (got != sizeof r) { r.stage = CSHIM_SPAWN_REPORT; r.error = EIO; }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        close(in_pipe[1]); close(out_pipe[0]); close(err_pipe[0]);
        out->stage = r.stage;
        out->error = r.error;
        return r.error > 0 ? -r.error : -EIO;
    }

    out->pid = pid;
#ifdef SYS_pidfd_open
    long pidfd = syscall(SYS_pidfd_open, pid, 0);  // always close-on-exec
    out->pidfd = pidfd < 0 ? -1 : (int32_t)pidfd;
#endif
    if (stderr_nonblocking) fcntl(err_pipe[0], F_SETFL, fcntl(err_pipe[0], F_GETFL) | O_NONBLOCK);
    out->stdin_fd = in_pipe[1];
    out->stdout_fd = out_pipe[0];
    out->stderr_fd = err_pipe[0];
    return 0;
}

int cshim_reap(int32_t pid, int kill_group, int32_t *kind, int32_t *value) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r;
    do { r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT); } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (info.si_pid == 0) return 0;  // still running
    if (kill_group) kill(-pid, SIGKILL);
    int status = 0;
    pid_t w;
    do { w = waitpid(pid, &status, 0); } while (w < 0 && errno == EINTR);
    if (w < 0) return -errno;
    if (WIFSIGNALED(status)) {
        *kind = 2;
        *value = WTERMSIG(status);
    } else {
        *kind = 1;
        *value = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    }
    return 1;
}

int cshim_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -errno;
}

int cshim_wait_exited(int32_t pid) {
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0) return 0;
        if (errno != EINTR) return -errno;
    }
}

int cshim_detach_to_devnull(int fd) {
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) return -errno;
    int r = dup3(null_fd, fd, O_CLOEXEC);
    int e = errno;
    close(null_fd);
    return r < 0 ? -e : 0;
}

// Client sockets (the HTTP client's event loop and its resolver threads).

int cshim_connect_tcp(const char *host, int port, int nodelay, int *in_progress) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(host, service, &hints, &res) != 0 || res == NULL) return -EINVAL;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { int e = errno; freeaddrinfo(res); return -e; }
    if (nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    int rc;
    do { rc = connect(fd, res->ai_addr, res->ai_addrlen); } while (rc < 0 && errno == EINTR);
    int e = errno;
    freeaddrinfo(res);
    if (rc == 0) {
        *in_progress = 0;
        return fd;
    }
    if (e == EINPROGRESS) {
        *in_progress = 1;
        return fd;
    }
    close(fd);
    return -e;
}

int cshim_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

ssize_t cshim_peek(int fd) {
    char b;
    ssize_t n;
    do { n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int cshim_resolve_tcp(const char *host, char *out, size_t out_len) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, NULL, &hints, &res);
    if (gai != 0) return gai < 0 ? gai : -gai;
    size_t used = 0;
    int count = 0;
    if (out_len > 0) out[0] = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN + 20];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST) != 0) continue;
        size_t n = strlen(text);
        // Skip duplicates (getaddrinfo may list an address once per protocol).
        int seen = 0;
        const char *p = out;
        while (p < out + used) {
            const char *nl = memchr(p, '\n', (size_t)(out + used - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(out + used - p);
            if (len == n && memcmp(p, text, n) == 0) { seen = 1; break; }
            p += len + 1;
        }
        if (seen) continue;
        if (used + n + 2 > out_len) break;
        if (used > 0) out[used++] = '\n';
        memcpy(out + used, text, n);
        used += n;
        out[used] = 0;
        count++;
    }
    freeaddrinfo(res);
    return count > 0 ? count : EAI_NONAME;
}

const char *cshim_resolve_error(int code) {
    return gai_strerror(code);
}

int cshim_posix_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int in_fd, int out_fd, int err_fd) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    int fds[3] = {in_fd, out_fd, err_fd};
    for (int target = 0; target < 3 && rc == 0; target++) {
        if (fds[target] >= 0) rc = posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    }
    if (rc == 0 && cwd != NULL) rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0) rc = posix_spawn(pid, path, &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
