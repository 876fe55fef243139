use super::*;

/// A deterministic generator for reproducible statistics.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut r = crate::seeded::SplitMix64::new(seed);
    move || r.next_u64()
}

#[test]
fn bernoulli_exp_matches_its_probability() {
    let mut r = rng(1);
    for (num, den) in [(1u64, 2u64), (1, 1), (5, 2), (0, 3)] {
        let n = 200_000;
        let hits = (0..n)
            .filter(|_| bernoulli_exp_neg(&mut r, num, den))
            .count() as f64;
        let p = (-(num as f64) / den as f64).exp();
        let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-9);
        assert!(
            (hits / n as f64 - p).abs() < 5.0 * se + 1e-12,
            "exp(-{num}/{den}): {} vs {p}",
            hits / n as f64
        );
    }
}

#[test]
fn uniform_below_covers_the_range_without_bias() {
    let mut r = rng(2);
    let mut counts = [0u32; 7];
    for _ in 0..70_000 {
        counts[uniform_below(&mut r, 7) as usize] += 1;
    }
    assert!(
        counts.iter().all(|c| (9_500..10_500).contains(c)),
        "{counts:?}"
    );
    assert_eq!(uniform_below(&mut r, 1), 0);
}

#[test]
fn geometric_noise_has_the_documented_variance_and_clamps_first() {
    let mut r = rng(3);
    let (hi, eps) = (20u32, 1000u32);
    let n = 100_000;
    let draws: Vec<i64> = (0..n).map(|_| geometric(&mut r, 0, hi, eps)).collect();
    let mean = draws.iter().sum::<i64>() as f64 / n as f64;
    let var = draws
        .iter()
        .map(|d| (*d as f64 - mean).powi(2))
        .sum::<f64>()
        / (n as f64 - 1.0);
    let want = geometric_noise_variance(hi, eps);
    assert!((var / want - 1.0).abs() < 0.05, "variance {var} vs {want}");
    assert!(
        draws.iter().any(|d| *d < 0),
        "noise is not clamped after the fact"
    );
    // Clamping: a huge value reports around hi, not around itself.
    let big: f64 = (0..20_000)
        .map(|_| geometric(&mut r, 1_000_000, hi, eps) as f64)
        .sum::<f64>()
        / 20_000.0;
    assert!((big - f64::from(hi)).abs() < 2.0, "{big}");
}

#[test]
fn randomized_response_keeps_the_bit_with_probability_e_eps_over_1_plus_e_eps() {
    let mut r = rng(4);
    for eps in [500u32, 1000, 3000] {
        let n = 100_000;
        let kept = (0..n)
            .filter(|_| randomized_response(&mut r, true, eps))
            .count() as f64
            / n as f64;
        let p = rr_keep_probability(eps);
        assert!(
            (kept - p).abs() < 5.0 * (p * (1.0 - p) / n as f64).sqrt(),
            "eps {eps}: {kept} vs {p}"
        );
    }
}

/// The debiased estimates over 100 000 simulated visitors are unbiased:
/// the truth lies within the estimate's 99.9% confidence interval, for
/// several seeds, and the error shrinks with the sample.
#[test]
fn debiased_estimates_over_100k_simulated_visitors_are_unbiased() {
    const VISITORS: u64 = 100_000;
    const Z: f64 = 3.29; // two-sided 99.9%
    for seed in [11u64, 12, 13] {
        let mut r = rng(seed);
        // Each visitor: an "engaged" flag (true for ~37%) and a click count 0..40 (clamped at 20).
        let (mut true_ones, mut rr_ones) = (0u64, 0u64);
        let (mut true_sum, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
        let eps = 1000;
        for _ in 0..VISITORS {
            let engaged = uniform_below(&mut r, 100) < 37;
            let clicks = uniform_below(&mut r, 41);
            true_ones += u64::from(engaged);
            true_sum += clicks.min(20) as f64;
            rr_ones += u64::from(randomized_response(&mut r, engaged, eps));
            let v = geometric(&mut r, clicks, 20, eps) as f64;
            sum += v;
            sum_sq += v * v;
        }
        let (share, share_se) = rr_estimate(rr_ones, VISITORS, eps);
        let truth = true_ones as f64 / VISITORS as f64;
        assert!(
            (share - truth).abs() <= Z * share_se,
            "seed {seed}: share {share} ± {share_se} vs {truth}"
        );
        assert!(share_se < 0.01, "useful precision: {share_se}");
        let (mean, mean_se) = mean_estimate(sum, sum_sq, VISITORS);
        let truth = true_sum / VISITORS as f64;
        assert!(
            (mean - truth).abs() <= Z * mean_se,
            "seed {seed}: mean {mean} ± {mean_se} vs {truth}"
        );
        assert!(mean_se < 0.2, "useful precision: {mean_se}");
        // The raw (not debiased) share is visibly biased towards 1/2.
        let raw = rr_ones as f64 / VISITORS as f64;
        assert!((raw - truth).abs() > 10.0 * share_se || (truth - 0.5).abs() < 0.05);
    }
}

#[test]
fn budget_refuses_once_spent_and_resets_daily() {
    let mut b = Budget::default();
    assert!(b.try_spend(100, 1000, 2500));
    assert!(b.try_spend(100, 1000, 2500));
    assert!(!b.try_spend(100, 1000, 2500), "2000 + 1000 > 2500");
    assert_eq!(b.spent_milli, 2000, "a refusal spends nothing");
    assert!(b.try_spend(101, 1000, 2500), "a new UTC day");
    assert_eq!(Budget::decode(&b.encode()), Some(b));
    assert_eq!(Budget::decode("x.1"), None);
}

#[test]
fn only_features_this_build_computes_can_be_privatised() {
    // `keystrokes` is a full-only count; `clicks` is in every build.
    assert_eq!(
        Settings::parse_features("clicks:20").map(|f| f.len()),
        Ok(1)
    );
    let full_only = Settings::parse_features("clicks:20,keystrokes");
    if cfg!(feature = "full") {
        assert_eq!(full_only.map(|f| f.len()), Ok(2));
    } else {
        assert_eq!(
            full_only.map(|f| f.len()),
            Err("names no feature this build computes")
        );
    }
    assert_eq!(
        Settings::parse_features("no_such_feature").map(|f| f.len()),
        Err("names no feature this build computes")
    );
}
