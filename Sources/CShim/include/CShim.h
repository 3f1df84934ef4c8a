// CShim: the few Linux calls Swift's Glibc module does not export.
//
// Why this exists: Glibc (as imported by Swift 6.3) lacks <sys/epoll.h>, <sys/eventfd.h> and the
// _GNU_SOURCE functions accept4, memmem, pipe2 and sched_getaffinity (measured, TOOLCHAIN.md §2).
// The wrappers below are deliberately thin, return `-errno` on failure instead of making Swift read
// the thread-local `errno`, and use plain (non-packed) structs so the Swift side never touches the
// x86_64-packed `struct epoll_event`.
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

#ifdef __cplusplus
}
#endif
