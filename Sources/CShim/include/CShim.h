// CShim: the few Linux calls Swift's Glibc module does not export.
//
// Why this exists: Glibc (as imported by Swift 6.3) lacks <sys/epoll.h>, <sys/eventfd.h> and the
// _GNU_SOURCE functions accept4, memmem, pipe2, sched_getaffinity and sched_setaffinity (measured, TOOLCHAIN.md §2).
// The wrappers below are deliberately thin, return `-errno` on failure instead of making Swift read
// the thread-local `errno`, and use plain (non-packed) structs so the Swift side never touches the
// x86_64-packed `struct epoll_event`.
//
// Child processes: spawning needs steps between fork and exec (prctl(PR_SET_PDEATHSIG), an own
// process group, closing every other fd, resetting signals) that posix_spawn cannot express and
// that must be async-signal-safe C, and wait-status decoding needs the W* macros Swift cannot import.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// epoll event bits (same values on every Linux architecture; spelled out so Swift sees UInt32s).
static const uint32_t CSHIM_EPOLLIN = 0x001u;
static const uint32_t CSHIM_EPOLLOUT = 0x004u;
static const uint32_t CSHIM_EPOLLERR = 0x008u;
static const uint32_t CSHIM_EPOLLHUP = 0x010u;
static const uint32_t CSHIM_EPOLLRDHUP = 0x2000u;

/// One ready event: the 64-bit tag given to `cshim_epoll_ctl` and the ready bits.
typedef struct cshim_epoll_event {
    uint64_t data;
    uint32_t events;
} cshim_epoll_event;

/// epoll_create1(EPOLL_CLOEXEC); returns the fd or -errno.
int cshim_epoll_create(void);
/// op: 0 = add, 1 = modify, 2 = delete. Returns 0 or -errno.
int cshim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// epoll_wait into `out` (at most `max`, max <= 1024). Returns the count, 0 on EINTR, or -errno.
int cshim_epoll_wait(int epfd, cshim_epoll_event *out, int max, int timeout_ms);

/// A non-blocking, close-on-exec eventfd; returns the fd or -errno.
int cshim_eventfd(void);
/// Adds 1 to the eventfd counter (wakes a waiting epoll).
void cshim_eventfd_signal(int fd);
/// Resets the eventfd counter to 0.
void cshim_eventfd_drain(int fd);

/// Creates a non-blocking, close-on-exec TCP listener bound to `host` (numeric IPv4/IPv6 literal
/// or a name resolved with getaddrinfo, first result) and `port` (0 = ephemeral). Sets
/// SO_REUSEADDR and, for IPv6, IPV6_V6ONLY. Writes the bound numeric host and port.
/// Returns the fd, or -errno (-EINVAL / -ENOENT for an unresolvable host).
int cshim_listen_tcp(const char *host, int port, int backlog, char *bound_host, size_t bound_host_len, int *bound_port);

/// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), sets TCP_NODELAY when `nodelay`, and formats the peer as
/// "a.b.c.d:port" or "[v6]:port" into `peer`. Returns the fd or -errno.
int cshim_accept(int listen_fd, int nodelay, char *peer, size_t peer_len);

/// send(MSG_NOSIGNAL | MSG_DONTWAIT): never raises SIGPIPE. Returns bytes sent or -errno.
ssize_t cshim_send(int fd, const void *buf, size_t len);
/// recv(MSG_DONTWAIT). Returns bytes read (0 = EOF) or -errno.
ssize_t cshim_recv(int fd, void *buf, size_t len);

/// Ignores SIGPIPE process-wide (belt and braces next to MSG_NOSIGNAL).
void cshim_ignore_sigpipe(void);
/// Raises the soft RLIMIT_NOFILE towards `wanted` (capped at the hard limit). Returns the new soft limit.
long cshim_raise_nofile_limit(long wanted);
/// CPUs in this thread's affinity mask (honours `taskset`); at least 1.
int cshim_available_cpus(void);
/// Pins the calling thread to `cpu`, or lets it run on every online CPU when `cpu` < 0; threads and
/// processes it starts afterwards inherit the mask. Returns 0 or -errno.
int cshim_pin_thread(int cpu);

/// Names the calling thread (at most 15 bytes are kept), as `top -H`, `perf` and
/// /proc/<pid>/task/<tid>/comm show it: Foundation's `Thread.name` does not reach the kernel on
/// Linux. Returns 0 or an error number.
int cshim_name_thread(const char *name);

/// Switches the calling thread to SCHED_BATCH (nice unchanged). Returns 0 or -errno.
int cshim_set_batch_scheduling(void);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t cshim_monotonic_ns(void);
/// Writes an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes + NUL) for `unix_seconds`.
void cshim_http_date(int64_t unix_seconds, char out[30]);
/// Writes an RFC 3339 UTC timestamp with milliseconds ("2026-11-22T12:00:00.123Z", 24 bytes + NUL)
/// for the current wall-clock time.
void cshim_rfc3339_now(char out[32]);

/// memmem(3).
const void *cshim_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);
/// pipe2(O_CLOEXEC [| O_NONBLOCK when nonblocking]). Returns 0 or -errno.
int cshim_pipe2(int fds[2], int nonblocking);

// ---- child processes (the Supervision target) ----

/// Which step of `cshim_spawn` failed (`cshim_spawn_result.stage`).
static const int32_t CSHIM_SPAWN_OK = 0;
static const int32_t CSHIM_SPAWN_PIPE = 1;        // creating the pipes in the parent
static const int32_t CSHIM_SPAWN_FORK = 2;        // fork(2) in the parent
static const int32_t CSHIM_SPAWN_SETPGID = 3;     // child: setpgid(0, 0)
static const int32_t CSHIM_SPAWN_PDEATHSIG = 4;   // child: prctl(PR_SET_PDEATHSIG, SIGKILL)
static const int32_t CSHIM_SPAWN_ORPHANED = 5;    // child: the parent died before prctl took effect
static const int32_t CSHIM_SPAWN_DUP = 6;         // child: moving the pipes onto 0, 1, 2
static const int32_t CSHIM_SPAWN_CHDIR = 7;       // child: chdir(cwd)
static const int32_t CSHIM_SPAWN_EXEC = 8;        // child: execve(path, ...)
static const int32_t CSHIM_SPAWN_REPORT = 9;      // parent: unreadable report from the child

/// What `cshim_spawn` produced. On success `stage` is CSHIM_SPAWN_OK and the fds are ours
/// (all close-on-exec); on failure `stage` names the step, `error` is its errno, every fd is -1
/// and the failed child, if one was forked, has already been reaped.
typedef struct cshim_spawn_result {
    int32_t pid;
    int32_t pidfd;      // pidfd_open(pid) for the reaper, or -1 when the kernel lacks it
    int32_t stdin_fd;   // write end of the child's stdin
    int32_t stdout_fd;  // read end of the child's stdout
    int32_t stderr_fd;  // read end of the child's stderr (O_NONBLOCK when asked for)
    int32_t stage;
    int32_t error;
} cshim_spawn_result;

/// Starts `path` (absolute; no PATH search here) with `argv` and `envp` (NULL-terminated) and the
/// optional working directory `cwd` (NULL = inherit), with stdin/stdout/stderr connected to new
/// pipes. fork(2) with every signal blocked in the calling thread, then in the child, using only
/// async-signal-safe calls: every signal disposition reset to SIG_DFL; setpgid(0, 0) (own process
/// group, pgid = pid); prctl(PR_SET_PDEATHSIG, SIGKILL) and a getppid() check against the
/// original parent (closes the race with a parent that died before prctl); the pipes moved onto
/// 0, 1, 2; every other fd closed (close_range, or a loop up to RLIMIT_NOFILE); the signal mask
/// emptied; chdir(cwd); execve. A failing step writes {stage, errno} into a close-on-exec error
/// pipe and _exits(127); the parent reads that pipe until EOF (= exec succeeded).
///
/// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the process: call this only
/// from a thread that lives as long as the process. Returns 0 or -errno (details in `out`).
/// posix_spawn with stdin/stdout/stderr taken from `in_fd`/`out_fd`/`err_fd` (-1: inherit),
/// in `cwd` (NULL: ours), every other descriptor closed in the child (posix_spawn's
/// `addclosefrom_np`, which Swift cannot see without _GNU_SOURCE). For test helpers that need a
/// plain child, not a supervised one. Returns 0 or an errno value; the pid goes to `pid`.
int cshim_posix_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int in_fd, int out_fd, int err_fd);

int cshim_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                int stderr_nonblocking, cshim_spawn_result *out);

/// Reaps `pid` if it has exited. When `kill_group` is set, first SIGKILLs whatever is left of its
/// process group (kill(-pid)): until the zombie is reaped the pgid cannot be reused, so this
/// reaches only the child's own group. Returns 1 when reaped, with `kind` 1 (exited, `value` =
/// exit code) or 2 (killed by a signal, `value` = signal number); 0 while it still runs (nothing
/// is signalled); or -errno (-ECHILD: not our child, or already reaped elsewhere).
int cshim_reap(int32_t pid, int kill_group, int32_t *kind, int32_t *value);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process
/// instead of init (prctl is variadic, which Swift cannot call). Returns 0 or -errno.
int cshim_set_child_subreaper(void);

/// Blocks until `pid` has exited, without reaping it (waitid WEXITED | WNOWAIT, EINTR retried).
/// The fallback for kernels without pidfd_open. Returns 0 or -errno.
int cshim_wait_exited(int32_t pid);

/// Atomically replaces `fd` with /dev/null (dup3 with O_CLOEXEC): the pipe behind `fd` loses
/// this reference (a child reading it sees EOF) while the fd number stays valid, so a late
/// writer can never hit a reused descriptor. Returns 0 or -errno.
int cshim_detach_to_devnull(int fd);

// Client sockets (the HTTP client's event loop and its resolver threads).

/// Starts a non-blocking, close-on-exec TCP connect to a NUMERIC host (IPv4, or IPv6 with an
/// optional `%zone`; parsed with getaddrinfo(AI_NUMERICHOST), which never touches DNS) and
/// `port`, with TCP_NODELAY when `nodelay`. Returns the fd and sets `*in_progress` to 1 when the
/// connect is still pending (wait for EPOLLOUT, then `cshim_socket_error`), or returns -errno
/// (-EINVAL when `host` is not a numeric address).
int cshim_connect_tcp(const char *host, int port, int nodelay, int *in_progress);
/// The socket's pending error (SO_ERROR): 0 when a non-blocking connect succeeded, else errno.
int cshim_socket_error(int fd);
/// recv(MSG_PEEK | MSG_DONTWAIT) of one byte: 1 = unread data, 0 = the peer closed (EOF),
/// -EAGAIN = nothing to read (the connection looks alive), other -errno = broken.
ssize_t cshim_peek(int fd);
/// Resolves `host` for TCP with getaddrinfo (BLOCKING: call it on a dedicated thread, never on
/// an event loop or Swift's cooperative pool) and writes the distinct numeric addresses, in
/// getaddrinfo's order, separated by '\n', into `out`. Returns how many were written, or a
/// negative EAI_* code (see `cshim_resolve_error`).
int cshim_resolve_tcp(const char *host, char *out, size_t out_len);
/// gai_strerror for a code returned by `cshim_resolve_tcp` (a static string).
const char *cshim_resolve_error(int code);

#ifdef __cplusplus
}
#endif
