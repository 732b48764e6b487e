//! How a fit ended: at an interior maximum, on the boundary of the
//! parameter space (with the directions that diverge and the limiting model
//! they lead to), or not at all; and the options every fitter shares.

use crate::btyd::penalty::Penalty;
use crate::{Error, Result};

/// How a maximum-likelihood fit ended.
///
/// The likelihood of a BTYD model can have its supremum on the boundary of
/// the parameter space rather than at an interior point: a log without
/// dropout pushes the dropout parameters to a limit, a log whose customers
/// all buy at the same rate pushes the purchase-rate heterogeneity to zero.
/// Such a fit still answers: its parameters are the limiting model's, or a
/// finite point whose log-likelihood is within a small tolerance of the
/// supremum, and the status names what diverges.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum FitStatus {
    /// An interior local maximum: the gradient vanishes and the Hessian is
    /// negative definite, so standard errors exist.
    Interior,
    /// The supremum lies on the boundary: the parameters in `diverging`
    /// run to zero or infinity, and the fitted model is (or approximates
    /// to the stated tolerance) the limiting model(s) in `limits`.
    Boundary {
        /// The parameters that run off, and where to.
        diverging: Vec<Divergence>,
        /// What the limit means for the model.
        limits: Vec<Limit>,
    },
    /// The stop rule was not met within the iteration limit. Fitters return
    /// [`Error::NotConverged`] rather than a report with this status
    /// unless asked to keep the best point ([`FitOptions::keep_unconverged`]).
    NotConverged,
}

impl FitStatus {
    /// Whether the fit ended at an interior maximum.
    pub fn is_interior(&self) -> bool {
        matches!(self, FitStatus::Interior)
    }
}

/// One parameter that runs off to a boundary of its range.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Divergence {
    /// The parameter's name as the model's parameter type spells it
    /// (`"r"`, `"alpha"`, `"a"`, ...).
    pub parameter: String,
    /// Where it goes.
    pub direction: Direction,
}

/// Where a diverging parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// Towards 0.
    ToZero,
    /// Towards +∞.
    ToInfinity,
}

/// The limiting model a boundary fit stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Limit {
    /// Nobody drops out: P(alive) = 1 for everyone, purchases follow the
    /// purchase process alone (BG/NBD `a → 0` or `b → ∞`; Pareto/NBD
    /// `s/β → 0`; BG/BB `γ → 0` or `δ → ∞`; sBG `β → ∞`).
    NoDropout,
    /// Every customer buys at the same rate: the gamma mixing distribution
    /// of the rate collapses to a point (`r, α → ∞` with `r/α` fixed), so
    /// purchases are Poisson (or, in discrete time, the purchase
    /// probability's beta collapses: BG/BB `α, β → ∞`).
    HomogeneousPurchaseRate,
    /// Every customer has the same dropout probability or rate (BG/NBD `a,
    /// b → ∞` with `a/(a+b)` fixed; Pareto/NBD `s, β → ∞` with `s/β` fixed;
    /// GGom/NBD `s, β → ∞`: one Gompertz lifetime distribution for all;
    /// BG/BB `γ, δ → ∞`; sBG `α, β → ∞`).
    ///
    /// For BG/NBD, with `p = a/(a+b)` and `NBD(t)` as in
    /// [`DropoutZeroOrOne`](Self::DropoutZeroOrOne), the likelihood tends
    /// to `(1−p)^x·NBD(T) + 1{x>0}·p(1−p)^{x−1}·NBD(t_x)` (MBG/NBD:
    /// `(1−p)^{x+1}·NBD(T) + p(1−p)^x·NBD(t_x)`), with corrections
    /// `O(1/(a+b))`; a new customer's `E[X(t)] = (1 − (α/(α+pt))^r)/p`
    /// (BG/NBD) and `P(alive | x > 0) = 1/(1 + p/(1−p)·((α+T)/(α+t_x))^{r+x})`.
    HomogeneousDropout,
    /// Every customer's mean spend is the same (Gamma-Gamma `q, γ → ∞`
    /// with `q/γ` fixed, possibly with `p → ∞` as well).
    HomogeneousSpend,
    /// Each customer always spends the same amount, and customers differ
    /// (Gamma-Gamma `p → ∞`, `γ → 0` with `c = p·γ` fixed): a transaction's
    /// value `Gamma(p, ν)` collapses on the customer's mean `p/ν = c/G`,
    /// `G = γν ~ Gamma(q, 1)`, so the mean spend across customers is
    /// inverse-gamma with shape `q` and scale `c`, and a repeat buyer's
    /// `z̄` equals it whatever `x`:
    ///
    /// ```text
    /// ℓ = q·ln c − lnΓ(q) − (q+1)·ln z̄ − c/z̄
    /// ```
    ///
    /// The predictions are the limit's: a repeat buyer's expected spend is
    /// their own `z̄`, and a new customer's the inverse-gamma mean
    /// `c/(q−1)` (infinite for `q ≤ 1`). A fit reports a finite stand-in
    /// with `p ≥ e^30` and `γ = c/p`, `q` and `p·γ` the limit's, whose
    /// log-likelihood and predictions differ from the limit's by
    /// `O(1/p)` (see [`GammaGamma`](crate::btyd::GammaGamma)).
    ConstantSpendPerCustomer,
    /// Each customer's dropout probability is 0 or 1: the beta mixing
    /// distribution collapses onto its ends (BG/NBD and MBG/NBD `a, b → 0`
    /// with `a/(a+b)` fixed): a share `π = a/(a+b)` of the customers drops
    /// out at its first opportunity, the others never.
    ///
    /// The likelihood's limit (BG/NBD, whose first opportunity is the first
    /// repeat purchase), with `NBD(t) = Γ(r+x)α^r / (Γ(r)(α+t)^{r+x})` the
    /// density of `x` purchases in `(0, t]` with no dropout: as `a, b → 0`,
    /// `B(a, b+x)/B(a, b) → 1 − π` for `x ≥ 1` (exactly `1 − π` at
    /// `x = 1`), `B(a+1, b)/B(a, b) = π` and `B(a+1, b+x−1)/B(a, b) → 0` for
    /// `x ≥ 2`, so
    ///
    /// ```text
    /// x = 0:  L = NBD(T)
    /// x = 1:  L = (1 − π)·NBD(T) + π·NBD(t_x)
    /// x ≥ 2:  L = (1 − π)·NBD(T)
    /// ```
    ///
    /// (MBG/NBD, whose first opportunity is time 0: `x = 0` has
    /// `(1 − π)·NBD(T) + π`, `x ≥ 1` has `(1 − π)·NBD(T)`.) The corrections
    /// are `O(a + b)`, so a point on the box face (`a, b ≈ e^{−30}`) stands
    /// for the limit. Its predictions are the mixture's: for BG/NBD
    /// `P(alive) = 1` at `x = 0` or `x ≥ 2`, at `x = 1` the posterior share
    /// of never-droppers `(1 − π)NBD(T) / ((1 − π)NBD(T) + π·NBD(t_x))`;
    /// a new customer's `E[X(t)] = (1 − π)·rt/α + π·(1 − (α/(α+t))^r)`
    /// (a dropper makes at most one repeat purchase); and
    /// `E[Y(t) | x ≥ 1] = P(alive)·(r+x)t/(α+T)` (a buyer still alive
    /// never drops out). At the face a buyer with `x ≥ 2` keeps the odds
    /// `a/(b+x−1)·((α+T)/(α+t_x))^{r+x}` of having dropped out, which
    /// vanish in the limit: the limit's `P(alive) = 1` holds to the size of
    /// those odds, so not for a history with many purchases long before `T`
    /// (odds `≳ e^{−30}·((α+T)/(α+t_x))^{r+x}`).
    DropoutZeroOrOne,
    /// The Gompertz lifetime of GGom/NBD becomes the Pareto/NBD's
    /// (exponential with a gamma-distributed rate): `b, β → 0` with `β/b`
    /// fixed, where `b` and `β` are not separately identified. The fitted
    /// model is Pareto/NBD with `r`, `α`, `s` and dropout rate `β/b`
    /// ([`GgomNbdParams::pareto_nbd_limit`](crate::btyd::GgomNbdParams::pareto_nbd_limit)).
    ParetoDropout,
}

/// Options every fitter shares: iteration cap, penalty, stop tolerance,
/// starting point, and whether a fit that does not converge is an error.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{FitOptions, Penalty};
///
/// let options = FitOptions::new().max_iterations(500).penalty(Penalty::L2 { lambda: 0.01 }).tolerance(1e-9)?;
/// assert_eq!(options.get_max_iterations(), 500);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    max_iterations: usize,
    penalty: Penalty,
    tolerance: f64,
    start: Option<Start>,
    keep_unconverged: bool,
    max_evaluations: usize,
}

/// The most parameters a model has (GGom/NBD's five).
const MAX_PARAMETERS: usize = 5;

/// A caller's start, stored inline so that [`FitOptions`] (and every
/// fitter holding it) stays `Copy`. `len` is the length given; only the
/// first [`MAX_PARAMETERS`] values are kept, and a fit rejects any length
/// but its model's.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Start {
    values: [f64; MAX_PARAMETERS],
    len: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl FitOptions {
    /// The defaults: at most 1000 iterations and 20 000 objective evaluations,
    /// no penalty, relative tolerance `1e-10`, the model's own start,
    /// non-convergence an error.
    pub fn new() -> Self {
        Self {
            max_iterations: 1000,
            penalty: Penalty::None,
            tolerance: 1e-10,
            start: None,
            keep_unconverged: false,
            max_evaluations: 20_000,
        }
    }
    /// Caps the optimiser's iterations.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
    /// Adds a penalty to the objective ([`Penalty`]).
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.penalty = penalty;
        self
    }
    /// The relative, scale-free stop tolerance.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < tolerance < 1`.
    pub fn tolerance(mut self, tolerance: f64) -> Result<Self> {
        if !(tolerance > 0.0 && tolerance < 1.0) {
            return Err(Error::InvalidParameter {
                name: "tolerance",
                value: tolerance.to_string(),
                reason: "must be > 0 and < 1",
            });
        }
        self.tolerance = tolerance;
        Ok(self)
    }
    /// Starts the optimiser at these natural parameters (in the model's
    /// order and the data's units, e.g. `[r, α, a, b]` for BG/NBD) instead
    /// of all ones on the model's fitting scale. Fitters reject, as
    /// [`Error::InvalidParameter`] named `"start"`, a length other than
    /// the model's number of parameters, a value that is not finite or
    /// not > 0, and a start where the log-likelihood is not finite.
    pub fn start(mut self, parameters: impl AsRef<[f64]>) -> Self {
        let parameters = parameters.as_ref();
        let mut values = [0.0; MAX_PARAMETERS];
        for (v, p) in values.iter_mut().zip(parameters) {
            *v = *p;
        }
        self.start = Some(Start {
            values,
            len: parameters.len(),
        });
        self
    }
    /// Back to the model's own start.
    pub fn default_start(mut self) -> Self {
        self.start = None;
        self
    }
    /// Caps the evaluations of the objective (and its gradient) over the
    /// whole fit, the boundary search included, so that a fit's time is
    /// bounded by this many passes over the distinct rows whatever the data
    /// (line searches that fail near a limit would otherwise repeat). A fit
    /// that spends them ends as not converged, with the best point found.
    /// Ordinary fits use a few hundred.
    pub fn max_evaluations(mut self, n: usize) -> Self {
        self.max_evaluations = n;
        self
    }
    /// The evaluation cap.
    pub fn get_max_evaluations(&self) -> usize {
        self.max_evaluations
    }
    /// Returns a report with [`FitStatus::NotConverged`] instead of
    /// [`Error::NotConverged`] when the stop rule is not met.
    pub fn keep_unconverged(mut self, keep: bool) -> Self {
        self.keep_unconverged = keep;
        self
    }
    /// The iteration cap.
    pub fn get_max_iterations(&self) -> usize {
        self.max_iterations
    }
    /// The penalty.
    pub fn get_penalty(&self) -> Penalty {
        self.penalty
    }
    /// The relative stop tolerance.
    pub fn get_tolerance(&self) -> f64 {
        self.tolerance
    }
    /// The caller's start, if any (a start longer than any model takes is
    /// cut to its first four values here; fitting still rejects it).
    pub fn get_start(&self) -> Option<&[f64]> {
        self.start
            .as_ref()
            .map(|s| &s.values[..s.len.min(MAX_PARAMETERS)])
    }
    /// The length of the caller's start as given, if any.
    pub(crate) fn start_len(&self) -> Option<usize> {
        self.start.as_ref().map(|s| s.len)
    }
    /// Whether an unconverged fit is reported rather than an error.
    pub fn get_keep_unconverged(&self) -> bool {
        self.keep_unconverged
    }
}
