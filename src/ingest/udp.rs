//! The carbon UDP socket: a large kernel receive buffer, drained with `recvmmsg` into buffers
//! allocated once at bind, and the kernel's drop count for /health.
//! Must not allocate while draining or hand a datagram to anything but the line feeder.
//!
//! UDP sent flat out is where Graphite loses most (architecture.md, "Threads and limits"): the
//! kernel queue is the only buffer between bursts and our loop, so we ask for a big one and
//! empty it many datagrams per syscall.

use super::{Feeder, Framing, PointSink};
use mio::net::UdpSocket;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

/// The receive buffer we ask for: about a second of 100k lines/s in 1400-byte datagrams. Without
/// root the kernel caps it at `net.core.rmem_max`; `app` logs what we got and that sysctl.
pub const UDP_RCVBUF_WANTED: usize = 8 << 20;

/// Datagrams per `recvmmsg` call.
const BATCH: usize = 64;
/// Larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6), so nothing is cut.
const DATAGRAM_BYTES: usize = 64 << 10;

pub(crate) struct UdpIngest {
    socket: UdpSocket,
    /// `BATCH` slots of `DATAGRAM_BYTES`, allocated zeroed so untouched pages cost nothing.
    buffers: Box<[u8]>,
    rcvbuf: usize,
}

impl UdpIngest {
    pub(crate) fn bind(addr: SocketAddr) -> io::Result<UdpIngest> {
        let std_socket = std::net::UdpSocket::bind(addr)?;
        std_socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(std_socket);
        let rcvbuf = set_rcvbuf(socket.as_raw_fd(), UDP_RCVBUF_WANTED)?;
        Ok(UdpIngest {
            socket,
            buffers: vec![0u8; BATCH * DATAGRAM_BYTES].into_boxed_slice(),
            rcvbuf,
        })
    }

    pub(crate) fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> io::Result<()> {
        registry.register(&mut self.socket, token, mio::Interest::READABLE)
    }

    pub(crate) fn rcvbuf(&self) -> usize {
        self.rcvbuf
    }

    /// The socket's `sk_drops` through `SO_MEMINFO` (Linux 4.6+): datagrams the kernel threw
    /// away because our receive buffer was full (or their checksum was bad). It is the same
    /// number as the `drops` column of /proc/net/udp, without parsing a file that grows with
    /// every socket on the host.
    pub(crate) fn kernel_drops(&self) -> Option<u64> {
        let mut meminfo = [0u32; libc::SK_MEMINFO_DROPS as usize + 1];
        let mut len = std::mem::size_of_val(&meminfo) as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes into `meminfo` and updates `len`.
        let rc = unsafe {
            libc::getsockopt(
                self.socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_MEMINFO,
                meminfo.as_mut_ptr().cast(),
                &mut len,
            )
        };
        let complete = len as usize == std::mem::size_of_val(&meminfo);
        (rc == 0 && complete).then(|| u64::from(meminfo[libc::SK_MEMINFO_DROPS as usize]))
    }

    /// Reads datagrams until the socket would block (mio is edge-triggered).
    pub(crate) fn drain<S: PointSink>(&mut self, feeder: &mut Feeder<'_, S>) {
        loop {
            let received = match self.receive_batch() {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // WouldBlock is the normal end. Anything else (ENOMEM) leaves the datagrams
                // queued; the next arrival wakes us again, so we do not spin on the error.
                Err(_) => return,
            };
            for (i, len) in received.iter().enumerate() {
                let start = i * DATAGRAM_BYTES;
                feeder.counters.udp_datagrams += 1;
                feeder.feed(&self.buffers[start..start + len], Framing::Datagram);
            }
        }
    }

    /// One `recvmmsg`: the lengths of the datagrams now in slots `0..n` of `self.buffers`.
    fn receive_batch(&mut self) -> io::Result<ReceivedLengths> {
        // SAFETY: iovec and mmsghdr are plain C structs for which all-zero is a valid value
        // (null pointers, zero lengths).
        let mut iovecs: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        let mut headers: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        for (i, (iov, header)) in iovecs.iter_mut().zip(headers.iter_mut()).enumerate() {
            iov.iov_base = self.buffers[i * DATAGRAM_BYTES..].as_mut_ptr().cast();
            iov.iov_len = DATAGRAM_BYTES;
            header.msg_hdr.msg_iov = iov;
            header.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at one iovec that stays alive for the call, and every
        // iovec at a distinct DATAGRAM_BYTES slot inside `self.buffers`.
        let n = unsafe {
            libc::recvmmsg(
                self.socket.as_raw_fd(),
                headers.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut lengths = ReceivedLengths {
            lengths: [0; BATCH],
            n: n as usize,
        };
        for (len, header) in lengths.lengths.iter_mut().zip(&headers[..lengths.n]) {
            *len = header.msg_len as usize;
        }
        Ok(lengths)
    }
}

/// Datagram lengths from one batch, on the stack.
struct ReceivedLengths {
    lengths: [usize; BATCH],
    n: usize,
}

impl ReceivedLengths {
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.lengths[..self.n].iter().copied()
    }
}

/// Asks for `want` bytes of receive buffer, beyond `net.core.rmem_max` when we may
/// (`SO_RCVBUFFORCE` needs CAP_NET_ADMIN), and returns what the kernel granted. Linux doubles
/// the value for its bookkeeping and `getsockopt` reports the doubled number; we halve it so
/// the result compares with `want` and with the sysctl.
fn set_rcvbuf(fd: libc::c_int, want: usize) -> io::Result<usize> {
    let want = libc::c_int::try_from(want).unwrap_or(libc::c_int::MAX);
    if setsockopt_int(fd, libc::SO_RCVBUFFORCE, want).is_err() {
        // Without CAP_NET_ADMIN this is silently capped at rmem_max, which is what we report.
        setsockopt_int(fd, libc::SO_RCVBUF, want)?;
    }
    let mut granted: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the kernel writes one c_int into `granted`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&mut granted as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(usize::try_from(granted).unwrap_or(0) / 2)
}

fn setsockopt_int(fd: libc::c_int, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: passes a pointer to one live c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            option,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::tests::CountingSink;
    use crate::ingest::{Counters, Ingest, TOKEN_UDP};
    use std::time::Duration;

    #[test]
    fn datagrams_are_drained_and_split_like_splitlines() {
        let mut ingest = Ingest::bind("127.0.0.1:0".parse().unwrap(), 4).unwrap();
        let mut poll = mio::Poll::new().unwrap();
        ingest.register(poll.registry()).unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender
            .send_to(b"a 1 10\rb 2 20\r\nc 3 30", ingest.local_addr())
            .unwrap();
        for i in 0..200 {
            sender
                .send_to(format!("d.{i} {i} 40\n").as_bytes(), ingest.local_addr())
                .unwrap();
        }
        let mut sink = CountingSink::default();
        let mut events = mio::Events::with_capacity(16);
        while ingest.counters().udp_datagrams < 201 {
            poll.poll(&mut events, Some(Duration::from_secs(5)))
                .unwrap();
            assert!(!events.is_empty(), "timed out: {:?}", ingest.counters());
            for event in &events {
                assert_eq!(event.token(), TOKEN_UDP);
                ingest.ready(poll.registry(), event, &mut sink, 0);
            }
        }
        let want = Counters {
            lines: 203,
            points_received: 203,
            udp_datagrams: 201,
            ..Counters::default()
        };
        assert_eq!(*ingest.counters(), want);
        assert_eq!(
            sink.points[..3],
            [
                ("a".into(), 10, 1.0),
                ("b".into(), 20, 2.0),
                ("c".into(), 30, 3.0)
            ]
        );
    }

    #[test]
    fn reports_buffer_and_drops() {
        let ingest = Ingest::bind("127.0.0.1:0".parse().unwrap(), 4).unwrap();
        // At least the kernel default (over 100 KiB everywhere), at most what we asked for.
        assert!(
            (64 << 10..=UDP_RCVBUF_WANTED).contains(&ingest.udp_rcvbuf()),
            "{}",
            ingest.udp_rcvbuf()
        );
        assert_eq!(ingest.udp_kernel_drops(), Some(0));
    }

    #[test]
    fn kernel_drops_are_counted_when_the_buffer_overflows() {
        let udp = UdpIngest::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        // The smallest buffer the kernel allows (a few KiB) fills after a few datagrams.
        setsockopt_int(udp.socket.as_raw_fd(), libc::SO_RCVBUF, 1).unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let target = udp.socket.local_addr().unwrap();
        for _ in 0..200 {
            sender.send_to(&[b'x'; 1000], target).unwrap();
        }
        assert!(
            udp.kernel_drops().is_some_and(|d| d > 0),
            "{:?}",
            udp.kernel_drops()
        );
    }
}
