//! The workspace's end-to-end suites (`tests/*.rs`, this package's test targets) drive govshare from outside,
//! as a department's system would: over HTTP against a real server. This library holds what they share: a real
//! server on an ephemeral loopback port.

use govshare_server::AppHandle;
use tokio::sync::oneshot;

/// A server serving `handle` on 127.0.0.1 until `stop` is sent.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Ends the server (it finishes the requests in flight).
    pub stop: oneshot::Sender<()>,
    /// The server's task.
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds 127.0.0.1:0 and serves `handle` in a task.
pub async fn serve(handle: AppHandle) -> Running {
    let listener = govshare_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        govshare_server::serve_on(listener, handle, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base: format!("http://{addr}"),
        stop,
        task,
    }
}
