//! Reconnect pacing: exponential backoff with jitter, reset after a connection that lasted.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff between `min` and `max` with "equal jitter": each wait is half the
/// current step plus a random part of the other half, so a fleet of clients that lost the same
/// server does not reconnect in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    /// A backoff starting at `min` and doubling up to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(Duration::from_millis(1));
        Backoff {
            min,
            max: max.max(min),
            step: min,
        }
    }

    /// The next wait, then doubles the step (capped at `max`).
    pub fn next_delay(&mut self) -> Duration {
        let half = self.step / 2;
        let jitter = rand::rng().random_range(0..=half.as_micros() as u64);
        let delay = half + Duration::from_micros(jitter);
        self.step = (self.step * 2).min(self.max);
        delay
    }

    /// Back to the shortest wait (after a successful session).
    pub fn reset(&mut self) {
        self.step = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter_inside_bounds() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let steps = [100u64, 200, 400, 800, 800, 800];
        for step in steps {
            let d = b.next_delay();
            assert!(
                d >= Duration::from_millis(step / 2),
                "{d:?} < half of {step}"
            );
            assert!(d <= Duration::from_millis(step), "{d:?} > {step}");
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
