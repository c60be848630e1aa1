//! A one-shot "stop serving" signal that any number of tasks can wait for, before or after it fires.

use std::sync::Arc;

use tokio::sync::watch;

#[derive(Clone)]
pub(crate) struct ShutdownSignal(Arc<watch::Sender<bool>>);

impl ShutdownSignal {
    pub(crate) fn new() -> ShutdownSignal {
        ShutdownSignal(Arc::new(watch::channel(false).0))
    }

    pub(crate) fn trigger(&self) {
        self.0.send_replace(true);
    }

    pub(crate) async fn wait(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|&stopped| stopped).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_before_and_after_the_trigger_both_return() {
        let signal = ShutdownSignal::new();
        let early = tokio::spawn({
            let signal = signal.clone();
            async move { signal.wait().await }
        });
        tokio::task::yield_now().await;
        signal.trigger();
        early.await.unwrap();
        signal.wait().await;
    }
}
