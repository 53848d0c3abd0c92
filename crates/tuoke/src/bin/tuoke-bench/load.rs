//! Timed workloads: C concurrent clients send requests for a fixed duration;
//! every request's latency is kept, and the figures are computed from them.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one workload measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Latencies of the successful requests, milliseconds, sorted.
    pub latencies_ms: Vec<f64>,
    /// Requests answered with anything but success.
    pub errors: u64,
    pub elapsed: Duration,
}

impl Measured {
    /// The `p`-th percentile (nearest rank), milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies_ms.len() as f64).ceil() as usize;
        self.latencies_ms[rank.clamp(1, self.latencies_ms.len()) - 1]
    }

    /// Successful requests per second.
    pub fn per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.latencies_ms.len() as f64 / secs
        } else {
            0.0
        }
    }
}

/// Runs `request(client, n)` from `clients` tasks until `duration` has
/// passed; `request` answers whether the request succeeded.
pub async fn run<F, Fut>(clients: usize, duration: Duration, request: F) -> Measured
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                if request(client, n).await {
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                n += 1;
            }
            (latencies, errors)
        }));
    }
    let mut measured = Measured::default();
    for task in tasks {
        if let Ok((latencies, errors)) = task.await {
            measured.latencies_ms.extend(latencies);
            measured.errors += errors;
        } else {
            measured.errors += 1;
        }
    }
    measured.elapsed = start.elapsed();
    measured.latencies_ms.sort_by(f64::total_cmp);
    measured
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let m = Measured {
            latencies_ms: (1..=100).map(f64::from).collect(),
            errors: 0,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(m.percentile(50.0), 50.0);
        assert_eq!(m.percentile(99.0), 99.0);
        assert_eq!(m.percentile(100.0), 100.0);
        assert_eq!(m.per_s(), 50.0);
        assert_eq!(Measured::default().percentile(50.0), 0.0);
    }
}
