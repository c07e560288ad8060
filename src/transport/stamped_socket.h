// For the translation units that include Boost.Asio (http_client.cc and the
// mock server's server.cc): a TCP socket whose reads carry the kernel's
// receive time.
//
// With TimestampSource::kKernel the socket has SO_TIMESTAMPNS set and every
// read is a recvmsg() on the native handle after the reactor reported it
// readable; the SCM_TIMESTAMPNS control message is the CLOCK_REALTIME time at
// which the kernel received the newest segment of the bytes returned, which
// is converted to the steady_clock (CLOCK_MONOTONIC) of every other timestamp
// by the realtime-monotonic offset sampled at the read. TCP reports one stamp
// per read: several segments coalesced in one read carry the newest one's
// time. It is the next layer of ssl::stream too, so over TLS the stamp is the
// arrival of the encrypted record bytes; a TLS read served from bytes already
// buffered keeps the stamp of the socket read that brought them.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>  // before Boost.Asio: 1.74 coroutine support needs it

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace aiperf::transport::detail {

/// steady_clock nanoseconds of a CLOCK_REALTIME timespec, via the current offset between the two clocks.
inline int64_t realtime_to_monotonic_ns(const timespec& rt) {
  timespec now_rt{}, now_mono{};
  ::clock_gettime(CLOCK_REALTIME, &now_rt);
  ::clock_gettime(CLOCK_MONOTONIC, &now_mono);
  const auto ns = [](const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; };
  return ns(rt) - (ns(now_rt) - ns(now_mono));
}

/// A tcp::socket usable as an Asio AsyncStream (also below ssl::stream) whose reads record a kernel timestamp.
class StampedSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;

  explicit StampedSocket(boost::asio::io_context& ioc) : socket(ioc) {}
  explicit StampedSocket(boost::asio::ip::tcp::socket&& accepted) : socket(std::move(accepted)) {}

  executor_type get_executor() { return socket.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket.lowest_layer(); }

  /// Asks the kernel for receive timestamps (call once connected); false if it refused.
  bool enable_kernel_timestamps() {
    int on = 1;
    kernel_ = ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
    return kernel_;
  }

  /// Kernel receive time (steady_clock ns) of the latest socket read, or 0 if that read had none.
  int64_t kernel_ns() const { return kernel_ns_; }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (!kernel_) {
      kernel_ns_ = 0;
      socket.async_read_some(buffers, std::forward<Handler>(handler));
      return;
    }
    // Read speculatively first: the reactor is edge-triggered, so bytes that arrived while no
    // operation was pending raise no new readiness event. A completion is never run inline.
    boost::system::error_code ec;
    const std::size_t n = receive(buffers, ec);
    if (ec != boost::asio::error::would_block) {
      boost::asio::post(socket.get_executor(),
                        [h = std::forward<Handler>(handler), ec, n]() mutable { h(ec, n); });
      return;
    }
    wait(buffers, std::forward<Handler>(handler));
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    socket.async_write_some(buffers, std::forward<Handler>(handler));
  }

  /// One non-blocking sendmsg of `buffers` (no SIGPIPE): the bytes the kernel took, 0 with `ec` set
  /// (would_block when the send queue is full). For callers that go on at once when a write is whole
  /// instead of waiting for a posted completion (the HTTP client's plain connections).
  template <class ConstBuffers>
  std::size_t send(const ConstBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    std::array<iovec, 8> iov{};
    std::size_t n_iov = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && n_iov < iov.size(); ++it) {
      const boost::asio::const_buffer b = *it;
      if (b.size() == 0) continue;
      iov[n_iov++] = iovec{const_cast<void*>(b.data()), b.size()};
    }
    if (n_iov == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n_iov;
    ssize_t r;
    do {
      r = ::sendmsg(socket.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) return static_cast<std::size_t>(r);
    ec = (errno == EAGAIN || errno == EWOULDBLOCK) ? boost::system::error_code(boost::asio::error::would_block)
                                                   : boost::system::error_code(errno, boost::system::system_category());
    return 0;
  }

  /// One non-blocking recvmsg into `buffers`, taking the SCM_TIMESTAMPNS stamp when kernel stamps are
  /// on; would_block when the socket holds nothing, eof when the peer closed. For callers that wait
  /// for readability themselves (the HTTP client's plain connections).
  template <class MutableBuffers>
  std::size_t receive(const MutableBuffers& buffers, boost::system::error_code& ec) {
    ec = {};
    std::array<iovec, 8> iov{};
    std::size_t n_iov = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && n_iov < iov.size(); ++it) {
      const boost::asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      iov[n_iov++] = iovec{b.data(), b.size()};
    }
    if (n_iov == 0) return 0;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec)) * 2> control;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n_iov;
    if (kernel_) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
    }
    ssize_t r;
    do {
      r = ::recvmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ec = boost::asio::error::would_block;
      return 0;
    }
    if (r < 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    if (r == 0) {
      ec = boost::asio::error::eof;
      return 0;
    }
    kernel_ns_ = 0;
    if (!kernel_) return static_cast<std::size_t>(r);
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
        if (ts.tv_sec != 0 || ts.tv_nsec != 0) kernel_ns_ = realtime_to_monotonic_ns(ts);
      }
    }
    return static_cast<std::size_t>(r);
  }

  boost::asio::ip::tcp::socket socket;

 private:
  template <class MutableBuffers, class Handler>
  void wait(const MutableBuffers& buffers, Handler&& handler) {
    socket.async_wait(boost::asio::ip::tcp::socket::wait_read,
                      [this, buffers, h = std::forward<Handler>(handler)](boost::system::error_code ec) mutable {
                        std::size_t n = 0;
                        if (!ec) n = receive(buffers, ec);
                        if (ec == boost::asio::error::would_block) return wait(buffers, std::move(h));
                        h(ec, n);
                      });
  }

  bool kernel_ = false;
  int64_t kernel_ns_ = 0;
};

}  // namespace aiperf::transport::detail
