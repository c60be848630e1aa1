//! StopProvider: the user pressed Ctrl-C, and Terraform waits for the operations in flight to return
//! before it exits. An operation that polls a cloud API until something settles should give up at once,
//! with an error, rather than hold Terraform for the rest of its timeout.

use tokio::sync::watch;

/// Whether Terraform has asked the provider to stop. Handed to the provider in
/// [`ConfigureRequest::stop`](crate::ConfigureRequest::stop) for its long waits; cheap to clone.
#[derive(Clone, Debug)]
pub struct StopSignal {
    receiver: watch::Receiver<bool>,
}

impl StopSignal {
    /// A signal and the handle that fires it: what the server holds, and what a test uses.
    pub fn channel() -> (StopHandle, StopSignal) {
        let (sender, receiver) = watch::channel(false);
        (StopHandle { sender }, StopSignal { receiver })
    }

    pub fn is_stopped(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Completes once Terraform has asked the provider to stop; otherwise never.
    pub async fn stopped(&self) {
        let mut receiver = self.receiver.clone();
        if receiver.wait_for(|stopped| *stopped).await.is_err() {
            // The handle is gone without firing: no stop will come.
            std::future::pending::<()>().await;
        }
    }
}

/// Fires the [`StopSignal`]s made from it.
#[derive(Debug)]
pub struct StopHandle {
    sender: watch::Sender<bool>,
}

impl StopHandle {
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }

    /// A signal of this handle, not fired yet: a debug-mode process serves one Terraform run after
    /// another, and a stop ends only the run it came in.
    pub(crate) fn renew(&self) -> StopSignal {
        self.sender.send_replace(false);
        StopSignal {
            receiver: self.sender.subscribe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_signal_fires_when_its_handle_stops_and_a_renewed_one_starts_afresh() {
        let (handle, signal) = StopSignal::channel();
        assert!(!signal.is_stopped());
        let waiting = tokio::spawn({
            let signal = signal.clone();
            async move { signal.stopped().await }
        });
        handle.stop();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("stopped() completes")
            .unwrap();
        assert!(signal.is_stopped());

        let renewed = handle.renew();
        assert!(!renewed.is_stopped());
        let never = tokio::time::timeout(Duration::from_millis(50), renewed.stopped()).await;
        assert!(never.is_err(), "a renewed signal waits for the next stop");
    }
}
