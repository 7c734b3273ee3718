// Whole Ethernet frames to and from one Linux interface through an AF_PACKET raw socket, read in
// batches (recvmmsg) when libuv reports the socket readable. Used by src/switch/ports/iface.ts.
//
// Why not libpcap (the `cap` npm package): its poll callback asserts on a socket error, so the
// whole process aborts when the interface goes down (`ip link set IF down`), and it cannot ask
// the kernel to leave out outgoing frames. Here a socket error (ENETDOWN, the interface gone) is
// reported to JavaScript and polling continues; outgoing frames are dropped by the kernel
// (PACKET_IGNORE_OUTGOING, Linux 4.20+) or, on older kernels, by their packet type.
//
// JS API (all synchronous; the handle is an opaque external):
//   open(ifname, rcvbufBytes, onFrames(ArrayBuffer, Uint32Array lengths), onError(errno, msg))
//     -> { handle, hwType, mac: Uint8Array(6), ignoreOutgoing: boolean }
//     throws Error with code ENODEV / EPERM / ... (errno name) when the socket cannot be opened
//   send(handle, Uint8Array) -> bytes sent, or -errno (never throws for network errors)
//   stats(handle) -> Float64Array [truncated, outgoing, pollErrors, kernelDrops]
//   close(handle)

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

// Frames per recvmmsg call, the largest frame kept (larger ones, e.g. GSO super-frames, are
// counted as truncated and dropped), and batches per wake-up (fairness with other ports).
#define BATCH 64
#define SLOT 16384
#define MAX_BATCHES 16

typedef struct {
  int fd;
  int closing;
  int uv_closed;
  int finalized;
  int in_callback;  // depth of JS calls in progress (close() may be called from inside one)
  int released;     // JS references and the async context freed
  uv_poll_t poll;
  napi_env env;
  napi_ref on_frames;
  napi_ref on_error;
  napi_async_context actx;
  double truncated, outgoing, poll_errors, kernel_drops;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_ll addrs[BATCH];
  unsigned char slots[BATCH][SLOT];
} port_t;

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case ENOBUFS: return "ENOBUFS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *what, const char *ifname) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s '%s': %s", what, ifname, strerror(e));
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

static void maybe_free(port_t *p) {
  if (p->uv_closed && p->finalized) free(p);
}

static void on_uv_closed(uv_handle_t *h) {
  port_t *p = (port_t *)h->data;
  // The fd is closed only once libuv no longer watches it (its number could be reused).
  close(p->fd);
  p->uv_closed = 1;
  maybe_free(p);
}

// Frees the JS side; never while a callback made with the async context is still running.
static void release_js(port_t *p) {
  if (p->released || p->in_callback > 0) return;
  p->released = 1;
  napi_delete_reference(p->env, p->on_frames);
  napi_delete_reference(p->env, p->on_error);
  napi_async_destroy(p->env, p->actx);
}

static void do_close(port_t *p) {
  if (p->closing) return;
  p->closing = 1;
  uv_poll_stop(&p->poll);
  release_js(p);
  uv_close((uv_handle_t *)&p->poll, on_uv_closed);
}

static void cleanup_hook(void *arg) { do_close((port_t *)arg); }

static void finalize(napi_env env, void *data, void *hint) {
  port_t *p = (port_t *)data;
  p->finalized = 1;
  maybe_free(p);
}

// Calls a JS callback from a libuv callback; an exception becomes an uncaught exception.
static void call_js(port_t *p, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = p->env;
  napi_value cb, recv;
  napi_get_reference_value(env, ref, &cb);
  napi_get_global(env, &recv);
  p->in_callback++;
  napi_make_callback(env, p->actx, recv, cb, argc, argv, NULL);
  p->in_callback--;
  if (p->closing) release_js(p);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

static void emit_error(port_t *p, int e) {
  napi_handle_scope scope;
  napi_open_handle_scope(p->env, &scope);
  napi_value argv[2];
  napi_create_int32(p->env, e, &argv[0]);
  napi_create_string_utf8(p->env, strerror(e), NAPI_AUTO_LENGTH, &argv[1]);
  call_js(p, p->on_error, 2, argv);
  napi_close_handle_scope(p->env, scope);
}

// One recvmmsg batch handed to JS: the kept frames back to back in one new ArrayBuffer (the
// only copy on the receive path) and their lengths.
static int read_batch(port_t *p) {
  for (int i = 0; i < BATCH; i++) {
    p->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_ll);
    p->msgs[i].msg_hdr.msg_flags = 0;
    p->msgs[i].msg_len = 0;
  }
  int n = recvmmsg(p->fd, p->msgs, BATCH, MSG_DONTWAIT, NULL);
  if (n <= 0) return n < 0 ? -errno : 0;
  size_t total = 0;
  int kept = 0;
  for (int i = 0; i < n; i++) {
    if (p->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      p->truncated++;
      p->msgs[i].msg_len = 0;
    } else if (p->addrs[i].sll_pkttype == PACKET_OUTGOING) {
      p->outgoing++;
      p->msgs[i].msg_len = 0;
    } else {
      total += p->msgs[i].msg_len;
      kept++;
    }
  }
  if (kept > 0) {
    napi_env env = p->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    void *data;
    void *lens_data;
    napi_value argv[2], ab, lens_ab;
    napi_create_arraybuffer(env, total, &data, &ab);
    napi_create_arraybuffer(env, (size_t)kept * 4, &lens_data, &lens_ab);
    unsigned char *dst = (unsigned char *)data;
    uint32_t *lens = (uint32_t *)lens_data;
    int k = 0;
    for (int i = 0; i < n; i++) {
      unsigned int len = p->msgs[i].msg_len;
      if (len == 0) continue;
      memcpy(dst, p->slots[i], len);
      dst += len;
      lens[k++] = len;
    }
    argv[0] = ab;
    napi_create_typedarray(env, napi_uint32_array, (size_t)kept, lens_ab, 0, &argv[1]);
    call_js(p, p->on_frames, 2, argv);
    napi_close_handle_scope(env, scope);
  }
  return n;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  port_t *p = (port_t *)h->data;
  if (p->closing) return;
  if (status < 0) {
    // POLLERR: the interface went down or was removed (the kernel sets ENETDOWN on the socket).
    // Read the error to clear it, report it, and keep polling: frames flow again once it is up.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    p->poll_errors++;
    emit_error(p, err ? err : EIO);
    if (!p->closing) uv_poll_start(&p->poll, UV_READABLE, on_poll);
    return;
  }
  for (int b = 0; b < MAX_BATCHES && !p->closing; b++) {
    int n = read_batch(p);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR || n == 0) break;
    if (n < 0) {
      if (!p->closing) emit_error(p, -n);
      break;
    }
    if (n < BATCH) break;
  }
}

static port_t *get_port(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not an afpacket handle");
    return NULL;
  }
  return (port_t *)data;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IFNAMSIZ + 1];
  size_t nlen = 0;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &nlen) != napi_ok ||
      nlen == 0 || nlen >= IFNAMSIZ) {
    napi_throw_type_error(env, "EINVAL", "open(ifname, rcvbuf, onFrames, onError): bad arguments");
    return NULL;
  }
  int64_t rcvbuf = 0;
  napi_get_value_int64(env, argv[1], &rcvbuf);

  unsigned int ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throw_errno(env, ENODEV, "no such interface", ifname);

  // Protocol 0 at creation: nothing is queued until bind() picks the interface and ETH_P_ALL.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "AF_PACKET socket for", ifname);

  int one = 1;
  int ignore_outgoing = setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) == 0;
  if (rcvbuf > 0) {
    int sz = rcvbuf > 0x3fffffff ? 0x3fffffff : (int)rcvbuf;
    // FORCE goes past net.core.rmem_max (needs CAP_NET_ADMIN); fall back to the capped option.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  }

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "cannot bind to", ifname);
  }
  struct packet_mreq mr;
  memset(&mr, 0, sizeof mr);
  mr.mr_ifindex = (int)ifindex;
  mr.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "cannot enable promiscuous mode on", ifname);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, nlen);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "cannot read the hardware address of", ifname);
  }

  port_t *p = (port_t *)calloc(1, sizeof(port_t));
  if (p == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "out of memory opening", ifname);
  }
  p->fd = fd;
  p->env = env;
  for (int i = 0; i < BATCH; i++) {
    p->iov[i].iov_base = p->slots[i];
    p->iov[i].iov_len = SLOT;
    p->msgs[i].msg_hdr.msg_iov = &p->iov[i];
    p->msgs[i].msg_hdr.msg_iovlen = 1;
    p->msgs[i].msg_hdr.msg_name = &p->addrs[i];
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  if (uv_poll_init_socket(loop, &p->poll, fd) != 0) {
    close(fd);
    free(p);
    return throw_errno(env, EIO, "cannot poll the socket of", ifname);
  }
  p->poll.data = p;
  napi_create_reference(env, argv[2], 1, &p->on_frames);
  napi_create_reference(env, argv[3], 1, &p->on_error);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "afpacket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &p->actx);
  uv_poll_start(&p->poll, UV_READABLE, on_poll);
  napi_add_env_cleanup_hook(env, cleanup_hook, p);

  napi_value result, handle, hw, mac_ab, mac, ign;
  napi_create_object(env, &result);
  napi_create_external(env, p, finalize, NULL, &handle);
  napi_create_int32(env, ifr.ifr_hwaddr.sa_family, &hw);
  void *mac_data;
  napi_create_arraybuffer(env, 6, &mac_data, &mac_ab);
  memcpy(mac_data, ifr.ifr_hwaddr.sa_data, 6);
  napi_create_typedarray(env, napi_uint8_array, 6, mac_ab, 0, &mac);
  napi_get_boolean(env, ignore_outgoing, &ign);
  napi_set_named_property(env, result, "handle", handle);
  napi_set_named_property(env, result, "hwType", hw);
  napi_set_named_property(env, result, "mac", mac);
  napi_set_named_property(env, result, "ignoreOutgoing", ign);
  return result;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "send(handle, frame)");
    return NULL;
  }
  port_t *p = get_port(env, argv[0]);
  if (p == NULL) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "send: the frame must be a Uint8Array");
    return NULL;
  }
  int r;
  if (p->closing) {
    r = -EBADF;
  } else {
    ssize_t s = send(p->fd, data, length, MSG_DONTWAIT);
    r = s < 0 ? -errno : (int)s;
  }
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  port_t *p = argc < 1 ? NULL : get_port(env, argv[0]);
  if (p == NULL) return NULL;
  if (!p->closing) {
    // PACKET_STATISTICS resets on read: accumulate.
    struct tpacket_stats st;
    socklen_t len = sizeof st;
    if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) p->kernel_drops += st.tp_drops;
  }
  napi_value ab, arr;
  void *data;
  napi_create_arraybuffer(env, 4 * sizeof(double), &data, &ab);
  double *d = (double *)data;
  d[0] = p->truncated;
  d[1] = p->outgoing;
  d[2] = p->poll_errors;
  d[3] = p->kernel_drops;
  napi_create_typedarray(env, napi_float64_array, 4, ab, 0, &arr);
  return arr;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  port_t *p = argc < 1 ? NULL : get_port(env, argv[0]);
  if (p == NULL) return NULL;
  if (!p->closing) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, p);
    do_close(p);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
