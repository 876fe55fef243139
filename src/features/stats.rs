//! Running mean and variance in O(1) memory (Welford's algorithm).

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Welford {
    pub n: u32,
    pub mean: f64,
    m2: f64,
}

impl Welford {
    pub(crate) fn push(&mut self, x: f64) {
        self.n = self.n.saturating_add(1);
        let d = x - self.mean;
        self.mean += d / f64::from(self.n);
        self.m2 += d * (x - self.mean);
    }

    /// Population variance (0 with fewer than 2 values).
    pub(crate) fn variance(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / f64::from(self.n)).max(0.0)
        }
    }

    /// Coefficient of variation, standard deviation over mean (0 when undefined).
    pub(crate) fn cv(&self) -> f64 {
        if self.n < 2 || self.mean <= 0.0 {
            0.0
        } else {
            sqrt(self.variance()) / self.mean
        }
    }
}

/// Square root by Newton's method (`f64::sqrt` is not in `core`).
pub(crate) fn sqrt(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let mut r = if x >= 1.0 { x } else { 1.0 };
    for _ in 0..64 {
        let next = 0.5 * (r + x / r);
        if next >= r {
            break;
        }
        r = next;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_matches_std() {
        for x in [0.0, 1e-9, 0.25, 1.0, 2.0, 1234.5678, 1e12] {
            assert!(
                (sqrt(x) - x.sqrt()).abs() <= 1e-9 * x.sqrt().max(1.0),
                "{x}"
            );
        }
    }

    #[test]
    fn welford_mean_and_cv() {
        let mut w = Welford::default();
        for x in [100.0, 100.0, 100.0] {
            w.push(x);
        }
        assert_eq!((w.mean, w.cv()), (100.0, 0.0));
        let mut w = Welford::default();
        for x in [50.0, 150.0] {
            w.push(x);
        }
        assert!((w.cv() - 0.5).abs() < 1e-12);
    }
}
