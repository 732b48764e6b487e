//! Response counts on the seven-level scale and their statistics.

use super::SatisfactionLevel;
use crate::{Error, Result, Scorer};

/// How many respondents gave each of the seven levels, for one item
/// ([spec](crate::satisfaction::spec#distribution-statistics) \[V\]).
///
/// Build it from levels ([`from_levels`](Self::from_levels)), from raw
/// `u8` answers ([`from_scores`](Self::from_scores), checked), from counts
/// ([`from_counts`](Self::from_counts)) or one response at a time
/// ([`record`](Self::record)). Distributions of shards (files, threads,
/// machines) [`merge`](Self::merge) into exactly the distribution of all
/// their responses, so a large survey can be counted where its data lies.
///
/// With counts `n_1..n_7` and `N = Σ n_k`:
///
/// ```text
/// mean        x̄   = Σ k·n_k / N
/// sd (sample) s   = sqrt( Σ n_k (k − x̄)² / (N − 1) )
/// top-2-box   T2B = (n_6 + n_7) / N
/// bottom-2    B2B = (n_1 + n_2) / N
/// CSI (0-100)     = (x̄ − 1) / (7 − 1) × 100
/// ```
///
/// Every statistic of an empty distribution (N = 0) is an error, never NaN
/// or 0. Counts are `u64`; the total must fit in a `u64` too.
///
/// # Example
///
/// The [worked example](crate::satisfaction::spec#worked-example):
///
/// ```
/// use customer_value::satisfaction::Distribution;
///
/// let d = Distribution::from_counts([2, 3, 5, 10, 20, 35, 25])?;
/// assert_eq!(d.n(), 100);
/// assert!((d.mean()? - 5.48).abs() < 1e-12);
/// assert!((d.std_dev()? - 1.4247).abs() < 5e-5);
/// assert!((d.top_two_box()? - 0.60).abs() < 1e-12);
/// assert!((d.bottom_two_box()? - 0.05).abs() < 1e-12);
/// assert!((d.csi()? - 74.67).abs() < 5e-3);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawDistribution", into = "RawDistribution")
)]
pub struct Distribution {
    counts: [u64; 7],
    n: u64,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawDistribution {
    counts: [u64; 7],
}

#[cfg(feature = "serde")]
impl TryFrom<RawDistribution> for Distribution {
    type Error = Error;
    fn try_from(raw: RawDistribution) -> Result<Self> {
        Distribution::from_counts(raw.counts)
    }
}

#[cfg(feature = "serde")]
impl From<Distribution> for RawDistribution {
    fn from(d: Distribution) -> Self {
        RawDistribution { counts: d.counts }
    }
}

/// Bytes per outer chunk of the byte counter: each of its four `u32`
/// tables sees at most a quarter of a chunk (plus 3), far below `u32::MAX`.
const COUNT_CHUNK: usize = 1 << 30;

/// Counts every byte value of `bytes`.
///
/// Four interleaved tables keep consecutive equal bytes from waiting on
/// each other's increments (store forwarding), which matters on survey
/// data where most answers are the same few levels.
fn count_bytes(bytes: &[u8]) -> [u64; 256] {
    let mut total = [0u64; 256];
    for chunk in bytes.chunks(COUNT_CHUNK) {
        let mut t = [[0u32; 256]; 4];
        let mut quads = chunk.chunks_exact(4);
        for q in &mut quads {
            t[0][usize::from(q[0])] += 1;
            t[1][usize::from(q[1])] += 1;
            t[2][usize::from(q[2])] += 1;
            t[3][usize::from(q[3])] += 1;
        }
        for &b in quads.remainder() {
            t[0][usize::from(b)] += 1;
        }
        for (v, slot) in total.iter_mut().enumerate() {
            *slot +=
                u64::from(t[0][v]) + u64::from(t[1][v]) + u64::from(t[2][v]) + u64::from(t[3][v]);
        }
    }
    total
}

fn empty_error() -> Error {
    Error::InvalidValue {
        what: "satisfaction distribution",
        reason: "no responses (n = 0)".to_string(),
    }
}

impl Distribution {
    /// An empty distribution (no responses), to [`record`](Self::record)
    /// into or [`merge`](Self::merge) shards into.
    pub const fn new() -> Self {
        Self {
            counts: [0; 7],
            n: 0,
        }
    }

    /// A distribution from its counts `[n_1, ..., n_7]` (index 0 holds
    /// level 1).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total exceeds `u64::MAX`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{Distribution, SatisfactionLevel};
    ///
    /// let d = Distribution::from_counts([0, 0, 1, 0, 0, 2, 0])?;
    /// assert_eq!(d.count(SatisfactionLevel::Satisfied), 2);
    /// assert!(Distribution::from_counts([u64::MAX, 1, 0, 0, 0, 0, 0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_counts(counts: [u64; 7]) -> Result<Self> {
        let n = counts
            .iter()
            .try_fold(0u64, |acc, &c| acc.checked_add(c))
            .ok_or(Error::Overflow {
                what: "satisfaction response count",
            })?;
        Ok(Self { counts, n })
    }

    /// Counts the responses in `levels`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{Distribution, SatisfactionLevel::*};
    ///
    /// let d = Distribution::from_levels(&[Satisfied, VerySatisfied, Satisfied, Neutral]);
    /// assert_eq!(d.counts(), [0, 0, 0, 1, 0, 2, 1]);
    /// ```
    pub fn from_levels(levels: &[SatisfactionLevel]) -> Self {
        let mut t = [[0u64; 8]; 4];
        let mut quads = levels.chunks_exact(4);
        for q in &mut quads {
            t[0][q[0] as usize] += 1;
            t[1][q[1] as usize] += 1;
            t[2][q[2] as usize] += 1;
            t[3][q[3] as usize] += 1;
        }
        for &l in quads.remainder() {
            t[0][l as usize] += 1;
        }
        let mut counts = [0u64; 7];
        for (k, c) in counts.iter_mut().enumerate() {
            *c = t[0][k + 1] + t[1][k + 1] + t[2][k + 1] + t[3][k + 1];
        }
        // A slice holds at most usize::MAX <= u64::MAX elements.
        Self {
            counts,
            n: levels.len() as u64,
        }
    }

    /// Counts raw answers given as numbers 1 to 7 (one byte per response),
    /// the fast path for large surveys: ten million answers count in a few
    /// milliseconds on one core.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when an answer is outside `1..=7`, naming
    /// the first bad answer's position and value.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Error, satisfaction::Distribution};
    ///
    /// let d = Distribution::from_scores(&[7, 6, 6, 4])?;
    /// assert_eq!(d.top_two_box()?, 0.75);
    /// let err = Distribution::from_scores(&[7, 6, 0, 9]).unwrap_err();
    /// assert!(err.to_string().contains("response 2"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_scores(scores: &[u8]) -> Result<Self> {
        let table = count_bytes(scores);
        let valid: u64 = table[1..=7].iter().sum();
        if valid != scores.len() as u64 {
            let (index, value) = scores
                .iter()
                .enumerate()
                .find(|&(_, &v)| SatisfactionLevel::from_u8(v).is_none())
                .map_or((0, 0), |(i, &v)| (i, v));
            return Err(Error::InvalidValue {
                what: "satisfaction score",
                reason: format!("response {index}: must be in 1..=7, got {value}"),
            });
        }
        let mut counts = [0u64; 7];
        counts.copy_from_slice(&table[1..=7]);
        Ok(Self { counts, n: valid })
    }

    /// Adds one response.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`.
    pub fn record(&mut self, level: SatisfactionLevel) -> Result<()> {
        let overflow = Error::Overflow {
            what: "satisfaction response count",
        };
        let n = self.n.checked_add(1).ok_or(overflow)?;
        // Each count is at most n, so it cannot overflow when n does not.
        self.counts[level.index()] += 1;
        self.n = n;
        Ok(())
    }

    /// Adds the responses of `other` (another shard of the same item), so
    /// that merging shards gives the distribution of all their responses.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`; `self`
    /// is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::Distribution;
    ///
    /// let mut a = Distribution::from_scores(&[1, 7, 7])?;
    /// a.merge(&Distribution::from_scores(&[4, 7])?)?;
    /// assert_eq!(a, Distribution::from_scores(&[1, 7, 7, 4, 7])?);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: &Distribution) -> Result<()> {
        let n = self.n.checked_add(other.n).ok_or(Error::Overflow {
            what: "satisfaction response count",
        })?;
        // Each count is at most its total, so no sum below can overflow.
        for (c, o) in self.counts.iter_mut().zip(other.counts) {
            *c += o;
        }
        self.n = n;
        Ok(())
    }

    /// The counts `[n_1, ..., n_7]` (index 0 holds level 1).
    pub const fn counts(&self) -> [u64; 7] {
        self.counts
    }

    /// The number of responses at `level`.
    pub const fn count(&self, level: SatisfactionLevel) -> u64 {
        self.counts[level.index()]
    }

    /// The number of responses, N.
    pub const fn n(&self) -> u64 {
        self.n
    }

    /// Whether there are no responses.
    pub const fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn nonempty(&self) -> Result<f64> {
        if self.n == 0 {
            Err(empty_error())
        } else {
            Ok(self.n as f64)
        }
    }

    /// The share of responses at `level`, `n_k / N`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn share(&self, level: SatisfactionLevel) -> Result<f64> {
        let n = self.nonempty()?;
        Ok(self.count(level) as f64 / n)
    }

    /// The mean level, `x̄ = Σ k·n_k / N`, in `[1, 7]`.
    ///
    /// The sum is exact (integer); the result is its nearest `f64` divided
    /// by N.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn mean(&self) -> Result<f64> {
        let n = self.nonempty()?;
        let sum: u128 = self
            .counts
            .iter()
            .zip(1u128..)
            .map(|(&c, k)| u128::from(c) * k)
            .sum();
        Ok((sum as f64 / n).clamp(1.0, 7.0))
    }

    /// Σ n_k (k − x̄)², the sum of squared deviations.
    fn squared_deviations(&self) -> Result<f64> {
        let mean = self.mean()?;
        Ok(self
            .counts
            .iter()
            .zip(1u8..)
            .map(|(&c, k)| {
                let d = f64::from(k) - mean;
                c as f64 * d * d
            })
            .sum())
    }

    /// The sample standard deviation of the levels,
    /// `sqrt(Σ n_k (k − x̄)² / (N − 1))`.
    ///
    /// This is the figure of the [worked example](crate::satisfaction::spec#worked-example) (1.4247 for the worked
    /// example; the population value there is 1.4176). Use
    /// [`population_std_dev`](Self::population_std_dev) to divide by N.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are fewer than 2 responses.
    pub fn std_dev(&self) -> Result<f64> {
        if self.n < 2 {
            return Err(Error::InvalidValue {
                what: "satisfaction distribution",
                reason: format!(
                    "sample standard deviation needs at least 2 responses, got {}",
                    self.n
                ),
            });
        }
        Ok((self.squared_deviations()? / (self.n - 1) as f64).sqrt())
    }

    /// The population standard deviation of the levels,
    /// `sqrt(Σ n_k (k − x̄)² / N)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn population_std_dev(&self) -> Result<f64> {
        let n = self.nonempty()?;
        Ok((self.squared_deviations()? / n).sqrt())
    }

    /// The top-2-box share, `(n_6 + n_7) / N`: satisfied or very satisfied.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn top_two_box(&self) -> Result<f64> {
        let n = self.nonempty()?;
        Ok((self.counts[5] + self.counts[6]) as f64 / n)
    }

    /// The bottom-2-box share, `(n_1 + n_2) / N`: very dissatisfied or
    /// dissatisfied.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn bottom_two_box(&self) -> Result<f64> {
        let n = self.nonempty()?;
        Ok((self.counts[0] + self.counts[1]) as f64 / n)
    }

    /// The customer satisfaction index on 0-100, the mean rescaled
    /// linearly from `[1, 7]` ([spec](crate::satisfaction::spec#distribution-statistics) \[L: linear
    /// rescale\]):
    ///
    /// ```text
    /// CSI = (x̄ − 1) / (7 − 1) × 100
    /// ```
    ///
    /// [`Scale::rescale`](super::Scale::rescale) does the same for any
    /// `(min, max)` scale.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no responses.
    pub fn csi(&self) -> Result<f64> {
        let mean = self.mean()?;
        Ok(((mean - 1.0) / 6.0 * 100.0).clamp(0.0, 100.0))
    }
}

impl FromIterator<SatisfactionLevel> for Distribution {
    /// Counts the levels. Counts saturate at `u64::MAX` instead of
    /// overflowing (unreachable in practice); use [`Distribution::record`]
    /// for a checked count.
    fn from_iter<I: IntoIterator<Item = SatisfactionLevel>>(iter: I) -> Self {
        let mut d = Distribution::new();
        for level in iter {
            d.counts[level.index()] = d.counts[level.index()].saturating_add(1);
            d.n = d.n.saturating_add(1);
        }
        d
    }
}

/// A caller's score for each level, such as the 100 / 80 / 60 / 30 / 0
/// points some texts give the five levels ([spec](crate::satisfaction::spec#item-and-overall-scores) \[V:
/// secondary\]); the item score is then the mean score of its responses
/// (`S_j = (1/n) Σ_i S_ij`).
///
/// [`LevelScores`] is a [`Scorer`] over [`SatisfactionLevel`], so it
/// scores one respondent or a slice of them.
///
/// # Example
///
/// ```
/// use customer_value::Scorer;
/// use customer_value::satisfaction::{Distribution, LevelScores, SatisfactionLevel};
///
/// // Five-level answers, scored 100 / 80 / 60 / 30 / 0 from best to worst.
/// let points = LevelScores::five_level([0.0, 30.0, 60.0, 80.0, 100.0])?;
/// let answers: Vec<SatisfactionLevel> = [5, 4, 4, 3]
///     .into_iter()
///     .map(SatisfactionLevel::from_five_level)
///     .collect::<Result<_, _>>()?;
/// assert_eq!(points.score(&answers[0])?, 100.0);
/// assert_eq!(points.mean(&Distribution::from_levels(&answers))?, 80.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawLevelScores"))]
pub struct LevelScores {
    scores: [f64; 7],
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawLevelScores {
    scores: [f64; 7],
}

#[cfg(feature = "serde")]
impl TryFrom<RawLevelScores> for LevelScores {
    type Error = Error;
    fn try_from(raw: RawLevelScores) -> Result<Self> {
        LevelScores::new(raw.scores)
    }
}

impl LevelScores {
    /// Scores for the seven levels, `scores[0]` for level 1.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a score is NaN or infinite.
    pub fn new(scores: [f64; 7]) -> Result<Self> {
        if let Some((k, &s)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "level score",
                value: format!("{s} (level {})", k + 1),
                reason: "must be finite",
            });
        }
        Ok(Self { scores })
    }

    /// Scores for the five-level scale, `scores[0]` for its answer 1
    /// (very dissatisfied), placed on the seven levels as
    /// [`SatisfactionLevel::from_five_level`] places the answers \[L\].
    ///
    /// Levels 3 and 5, which no five-level answer maps to, score halfway
    /// between their neighbours, so a [`Distribution`] with seven-level
    /// answers can still be scored.
    ///
    /// ```text
    /// level   1    2    3            4    5            6    7
    /// score   s1   s2   (s2+s3)/2    s3   (s3+s4)/2    s4   s5
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a score is NaN or infinite.
    pub fn five_level(scores: [f64; 5]) -> Result<Self> {
        let [s1, s2, s3, s4, s5] = scores;
        let mid = |a: f64, b: f64| a / 2.0 + b / 2.0;
        if let Some((k, &s)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "five-level score",
                value: format!("{s} (answer {})", k + 1),
                reason: "must be finite",
            });
        }
        Self::new([s1, s2, mid(s2, s3), s3, mid(s3, s4), s4, s5])
    }

    /// Scores rising linearly from `min` at level 1 to `max` at level 7:
    /// level k scores `min + (k − 1)/6 × (max − min)`. With `(0, 100)` a
    /// respondent's score is their own CSI, and the mean is
    /// [`Distribution::csi`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `min` or `max` is NaN or infinite,
    /// or a level's score overflows.
    pub fn linear(min: f64, max: f64) -> Result<Self> {
        if !(min.is_finite() && max.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "linear score range",
                value: format!("({min}, {max})"),
                reason: "must be finite",
            });
        }
        let mut scores = [0.0; 7];
        for (k, s) in scores.iter_mut().enumerate() {
            let t = k as f64 / 6.0;
            *s = min * (1.0 - t) + max * t;
        }
        Self::new(scores)
    }

    /// The scores, `[s_1, ..., s_7]`.
    pub const fn scores(&self) -> [f64; 7] {
        self.scores
    }

    /// The score of one level.
    pub const fn get(&self, level: SatisfactionLevel) -> f64 {
        self.scores[level.index()]
    }

    /// The mean score of a distribution's responses, `Σ n_k s_k / N`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the distribution is empty;
    /// [`Error::Overflow`] when the sum leaves the `f64` range.
    pub fn mean(&self, distribution: &Distribution) -> Result<f64> {
        let n = distribution.nonempty()?;
        let sum: f64 = distribution
            .counts
            .iter()
            .zip(self.scores)
            .map(|(&c, s)| c as f64 * s)
            .sum();
        let mean = sum / n;
        if !mean.is_finite() {
            return Err(Error::Overflow {
                what: "mean level score",
            });
        }
        Ok(mean)
    }
}

impl Scorer for LevelScores {
    type Input = SatisfactionLevel;
    type Score = f64;

    /// The level's score. Never fails.
    fn score(&self, level: &SatisfactionLevel) -> Result<f64> {
        Ok(self.get(*level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SatisfactionLevel::*;

    fn worked() -> Distribution {
        Distribution::from_counts([2, 3, 5, 10, 20, 35, 25]).unwrap()
    }

    #[test]
    fn from_counts_valid_and_overflow() {
        assert_eq!(worked().n(), 100);
        assert!(matches!(
            Distribution::from_counts([u64::MAX, 0, 0, 0, 0, 0, 1]),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn from_scores_counts_and_names_the_bad_answer() {
        let mut scores = Vec::new();
        for (k, &c) in worked().counts().iter().enumerate() {
            scores.extend(std::iter::repeat_n(k as u8 + 1, c as usize));
        }
        assert_eq!(Distribution::from_scores(&scores).unwrap(), worked());
        for (bad, at) in [(0u8, 0usize), (8, 57), (255, 99)] {
            let mut s = scores.clone();
            s[at] = bad;
            let err = Distribution::from_scores(&s).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&format!("response {at}:")), "{text}");
            assert!(text.contains(&format!("got {bad}")), "{text}");
        }
    }

    #[test]
    fn from_levels_matches_from_scores() {
        let levels: Vec<SatisfactionLevel> = (0..1003u32)
            .map(|i| SatisfactionLevel::ALL[(i * 7 + i / 3) as usize % 7])
            .collect();
        let bytes: Vec<u8> = levels.iter().map(|l| l.to_u8()).collect();
        assert_eq!(
            Distribution::from_levels(&levels),
            Distribution::from_scores(&bytes).unwrap()
        );
        assert_eq!(
            levels.iter().copied().collect::<Distribution>(),
            Distribution::from_levels(&levels)
        );
    }

    #[test]
    fn record_and_merge_overflow() {
        let mut d = Distribution::new();
        d.record(Neutral).unwrap();
        assert_eq!(d.count(Neutral), 1);
        let mut full = Distribution::from_counts([u64::MAX, 0, 0, 0, 0, 0, 0]).unwrap();
        assert!(matches!(full.record(Neutral), Err(Error::Overflow { .. })));
        assert!(matches!(full.merge(&d), Err(Error::Overflow { .. })));
        assert_eq!(full.n(), u64::MAX);
    }

    #[test]
    fn empty_statistics_are_errors() {
        let e = Distribution::new();
        assert!(e.is_empty());
        assert!(e.mean().is_err());
        assert!(e.std_dev().is_err());
        assert!(e.population_std_dev().is_err());
        assert!(e.top_two_box().is_err());
        assert!(e.bottom_two_box().is_err());
        assert!(e.csi().is_err());
        assert!(e.share(Neutral).is_err());
        let one = Distribution::from_levels(&[Neutral]);
        assert!(one.std_dev().is_err());
        assert_eq!(one.population_std_dev().unwrap(), 0.0);
    }

    #[test]
    fn level_scores_constructors() {
        let s = LevelScores::new([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
        assert_eq!(s.get(Satisfied), 6.0);
        assert!(LevelScores::new([f64::NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).is_err());
        let f = LevelScores::five_level([0.0, 30.0, 60.0, 80.0, 100.0]).unwrap();
        assert_eq!(f.scores(), [0.0, 30.0, 45.0, 60.0, 70.0, 80.0, 100.0]);
        assert!(LevelScores::five_level([0.0, f64::INFINITY, 0.0, 0.0, 0.0]).is_err());
        let l = LevelScores::linear(0.0, 100.0).unwrap();
        assert_eq!(l.get(VeryDissatisfied), 0.0);
        assert_eq!(l.get(Neutral), 50.0);
        assert_eq!(l.get(VerySatisfied), 100.0);
        assert!(LevelScores::linear(0.0, f64::NAN).is_err());
        assert!(LevelScores::linear(-f64::MAX, f64::MAX).is_ok());
    }

    #[test]
    fn level_scores_mean() {
        let l = LevelScores::linear(0.0, 100.0).unwrap();
        assert!((l.mean(&worked()).unwrap() - worked().csi().unwrap()).abs() < 1e-12);
        assert!(l.mean(&Distribution::new()).is_err());
        let huge = LevelScores::new([f64::MAX; 7]).unwrap();
        let d = Distribution::from_counts([3, 0, 0, 0, 0, 0, 0]).unwrap();
        assert!(matches!(huge.mean(&d), Err(Error::Overflow { .. })));
    }
}
