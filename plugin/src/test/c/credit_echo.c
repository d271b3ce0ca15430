/*
 * The floor for `make bench-streams`: the byte-stream echo's credit protocol with nothing else.
 *
 * Two processes over one unix socket, one thread each, poll() and non-blocking I/O. The client sends
 * DATA frames of `chunk` bytes on stream 1 within the credit the server grants; the server echoes
 * each byte back on stream 2 within the credit the client grants. Each receiver grants `window`
 * bytes at once and again whenever its outstanding credit (granted minus received) drops below
 * `window`: the rule of containerd's byte streams (docs/protocol/transfer.md §5). Frames carry a 10-byte
 * ttrpc-like header and no protobuf, so what is left is the kernel's copies and the wake-ups of
 * the credit round trip on this machine.
 *
 * usage: credit_echo server SOCKET WINDOW CHUNK
 *        credit_echo client SOCKET WINDOW CHUNK WARMUP_S MEASURE_S [SERVER_PID]
 * The client echoes 128 MiB at a time, back to back, and prints
 *   FLOOR <GB/s> <CPU seconds per GiB>
 * over the measured seconds; the CPU time is the client's plus, given its pid, the server's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { HEADER = 10, DATA = 1, GRANT = 2, ECHO_BYTES = 128 << 20 };

struct out {
  char *buf;
  size_t start, end, cap;
};

static void out_put(struct out *o, const void *p, size_t n) {
  if (o->start == o->end) {
    o->start = o->end = 0;
  }
  if (o->end + n > o->cap) {
    memmove(o->buf, o->buf + o->start, o->end - o->start);
    o->end -= o->start;
    o->start = 0;
    if (o->end + n > o->cap) {
      o->cap = (o->end + n) * 2;
      o->buf = realloc(o->buf, o->cap);
      if (!o->buf) {
        perror("realloc");
        exit(1);
      }
    }
  }
  memcpy(o->buf + o->end, p, n);
  o->end += n;
}

static void out_header(struct out *o, uint32_t len, uint32_t stream, int type) {
  unsigned char h[HEADER];
  uint32_t l = htonl(len), s = htonl(stream);
  memcpy(h, &l, 4);
  memcpy(h + 4, &s, 4);
  h[8] = (unsigned char)type;
  h[9] = 0;
  out_put(o, h, HEADER);
}

static void out_grant(struct out *o, uint32_t stream, uint32_t n) {
  uint32_t v = htonl(n);
  out_header(o, 4, stream, GRANT);
  out_put(o, &v, 4);
}

/* Writes what it can; 0 when the socket is full or everything went, -1 on error. */
static int out_flush(int fd, struct out *o) {
  while (o->start < o->end) {
    ssize_t w = write(fd, o->buf + o->start, o->end - o->start);
    if (w < 0) {
      return errno == EAGAIN ? 0 : -1;
    }
    o->start += (size_t)w;
  }
  return 0;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* CPU time of this process and, if `server` > 0, of that one (from /proc). */
static double cpu_seconds(long server) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  double s = u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  if (server > 0) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", server);
    FILE *f = fopen(path, "r");
    if (f && fgets(line, sizeof line, f)) {
      /* Fields after the command's closing parenthesis: state is 3rd, utime 14th, stime 15th. */
      char *p = strrchr(line, ')');
      unsigned long utime = 0, stime = 0;
      if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                      &stime) == 2) {
        s += (double)(utime + stime) / sysconf(_SC_CLK_TCK);
      }
    }
    if (f) {
      fclose(f);
    }
  }
  return s;
}

/*
 * One connection's echo. The client sends `total` bytes and returns once all came back; the server
 * echoes until the client closes. Returns the bytes received, or -1.
 */
static long run(int fd, int server, long window, long chunk, long total) {
  static char *in, *payload;
  static size_t in_cap;
  if (!in) {
    in_cap = 16u << 20;
    in = malloc(in_cap);
    payload = calloc(1, (size_t)chunk);
  }
  size_t in_len = 0;
  struct out o = {0};
  long credit = 0, outstanding = window, received = 0, sent = 0, to_echo = 0;
  uint32_t receiving = server ? 1 : 2, sending = server ? 2 : 1;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  out_grant(&o, receiving, (uint32_t)window);
  while (server || received < total) {
    long left = server ? to_echo : total - sent;
    while (left > 0) {
      long n = left < chunk ? left : chunk;
      if (n > credit) {
        break;
      }
      out_header(&o, (uint32_t)n, sending, DATA);
      out_put(&o, payload, (size_t)n);
      credit -= n;
      left -= n;
      if (server) {
        to_echo -= n;
      } else {
        sent += n;
      }
    }
    if (out_flush(fd, &o) < 0) {
      free(o.buf);
      return -1;
    }
    struct pollfd p = {fd, POLLIN | (o.start < o.end ? POLLOUT : 0), 0};
    if (poll(&p, 1, -1) < 0) {
      free(o.buf);
      return -1;
    }
    if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) {
      continue;
    }
    ssize_t r = read(fd, in + in_len, in_cap - in_len);
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      free(o.buf);
      return r == 0 ? received : -1;
    }
    if (r > 0) {
      in_len += (size_t)r;
    }
    size_t at = 0;
    while (in_len - at >= HEADER) {
      uint32_t len;
      memcpy(&len, in + at, 4);
      len = ntohl(len);
      if (HEADER + (size_t)len > in_cap) {
        fprintf(stderr, "frame of %u bytes too large\n", len);
        exit(1);
      }
      if (in_len - at < HEADER + (size_t)len) {
        break;
      }
      if (in[at + 8] == GRANT) {
        uint32_t v;
        memcpy(&v, in + at + HEADER, 4);
        credit += ntohl(v);
      } else {
        received += len;
        outstanding -= len;
        if (outstanding < window) {
          out_grant(&o, receiving, (uint32_t)window);
          outstanding += window;
        }
        if (server) {
          to_echo += len;
        }
      }
      at += HEADER + len;
    }
    memmove(in, in + at, in_len - at);
    in_len -= at;
  }
  free(o.buf);
  return received;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: credit_echo server|client SOCKET WINDOW CHUNK [WARMUP_S MEASURE_S]\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, argv[2], sizeof addr.sun_path - 1);
  long window = atol(argv[3]), chunk = atol(argv[4]);
  if (!strcmp(argv[1], "server")) {
    unlink(argv[2]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) || listen(s, 8)) {
      perror("bind");
      return 1;
    }
    printf("READY\n");
    fflush(stdout);
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c < 0) {
        perror("accept");
        return 1;
      }
      run(c, 1, window, chunk, 0);
      close(c);
    }
  }
  if (argc < 7) {
    fprintf(stderr, "client needs WARMUP_S MEASURE_S\n");
    return 2;
  }
  double warmup = atof(argv[5]), measure = atof(argv[6]);
  long server = argc > 7 ? atol(argv[7]) : 0;
  int c = -1;
  double start = now(), cpu_start = 0, measured_from = 0;
  long bytes = 0;
  for (;;) {
    double t = now();
    if (measured_from == 0 && t - start >= warmup) {
      measured_from = t;
      cpu_start = cpu_seconds(server);
    }
    if (measured_from != 0 && t - measured_from >= measure) {
      break;
    }
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&addr, sizeof addr)) {
      perror("connect");
      return 1;
    }
    long got = run(c, 0, window, chunk, ECHO_BYTES);
    close(c);
    if (got != ECHO_BYTES) {
      fprintf(stderr, "echoed %ld of %d bytes\n", got, ECHO_BYTES);
      return 1;
    }
    if (measured_from != 0) {
      bytes += got;
    }
  }
  double elapsed = now() - measured_from;
  printf("FLOOR %.4f %.4f\n", bytes / elapsed / 1e9,
         (cpu_seconds(server) - cpu_start) / (bytes / (double)(1L << 30)));
  return 0;
}
