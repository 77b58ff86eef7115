//! A loopback TCP proxy that breaks connections on purpose: after N bytes from the server it
//! closes both sides (FIN), resets them (RST), or stops forwarding (stall). TLS passes through
//! untouched, so the client still talks to the real server's certificate.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a connection is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Close both sides cleanly.
    Fin,
    /// Reset both sides.
    Rst,
    /// Stop forwarding; the client's read timeout must notice.
    Stall,
}

/// A running proxy; connections follow `plan` in order (`None`: pass everything).
pub struct FaultProxy {
    /// The port to connect to.
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 and forwards to `target_port`.
    pub fn start(target_port: u16, plan: Vec<Option<(u64, Cut)>>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let plan = Arc::new(Mutex::new(plan.into_iter()));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let cut = plan.lock().ok().and_then(|mut plan| plan.next()).flatten();
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                forward(client, server, cut, stopping.clone());
            }
        });
        FaultProxy { port, stop }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn forward(client: TcpStream, server: TcpStream, cut: Option<(u64, Cut)>, stop: Arc<AtomicBool>) {
    let (Ok(client_reader), Ok(server_writer)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn({
        let stop = stop.clone();
        move || copy(client_reader, server_writer, None, &stop)
    });
    std::thread::spawn(move || copy(server, client, cut, &stop));
}

fn copy(mut from: TcpStream, mut to: TcpStream, cut: Option<(u64, Cut)>, stop: &AtomicBool) {
    let mut forwarded = 0u64;
    let mut buffer = [0u8; 16 * 1024];
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let Ok(read) = from.read(&mut buffer) else {
            break;
        };
        if read == 0 {
            let _ = to.shutdown(Shutdown::Write);
            break;
        }
        let mut chunk = &buffer[..read];
        if let Some((at, how)) = cut
            && forwarded + read as u64 >= at
        {
            chunk = &chunk[..(at - forwarded.min(at)) as usize];
            let _ = to.write_all(chunk);
            match how {
                Cut::Fin => {
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                }
                Cut::Rst => {
                    // Linger 0 makes the close a reset; shutting the read side wakes the other
                    // copy thread, so its clone closes too and the close really happens.
                    for stream in [&to, &from] {
                        let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
                        let _ = stream.shutdown(Shutdown::Read);
                    }
                }
                Cut::Stall => std::thread::sleep(Duration::from_secs(120)),
            }
            break;
        }
        if to.write_all(chunk).is_err() {
            break;
        }
        forwarded += read as u64;
    }
}
