//! `f64` fast paths for one model evaluated at many inputs with shared
//! parameters (the array calls of the Python package): the new customer's
//! expected purchases of BG/NBD and MBG/NBD at many horizons from a few
//! anchored Taylor expansions, the closed form of BG/NBD's `P(X(t) = 0)`,
//! and Gamma-Gamma's expected spend from a float mean spend.
//!
//! Each agrees with the per-customer function it speeds up (to about
//! `1e-13` relative; the tests below check `1e-11`).

use rustc_hash::FxHashMap;

use crate::CustomerId;
use crate::btyd::hyp2f1::hyp2f1;
use crate::btyd::math::{check_horizon, e_bg, expit, h};
use crate::btyd::{BgNbdParams, CustomerHistory, GammaGammaParams, MbgNbdParams, ParetoNbdParams};
use crate::{Error, Result};

/// Mantissa bits of `x = t/α` that pick a cell: 16 cells per octave, so
/// a cell's half width is at most 1/32 of its centre.
const CELL_BITS: u32 = 4;
/// `x.to_bits() >> KEY_SHIFT` is a cell's key.
const KEY_SHIFT: u32 = 52 - CELL_BITS;
/// Below this `x` (`t < α/32`) the G-form series converges in a dozen
/// terms and is used as it is.
const X_MIN: f64 = 1.0 / 32.0;
/// Most Taylor coefficients a cell keeps; a cell that needs more (never
/// seen: about 12 suffice) uses the series for its rows.
const MAX_COEF: usize = 24;
/// A cell's Taylor tail is cut where two successive terms at the cell's
/// edge are below this fraction of the value.
const TAIL: f64 = 1e-17;

/// One cell's expansion `E(x0 + w) = Σ_k coef[k]·w^k` (`len = 0`: the
/// anchor could not be computed, and the rows use the series).
#[derive(Debug, Clone, Copy)]
struct Cell {
    x0: f64,
    len: usize,
    coef: [f64; MAX_COEF],
}

impl Cell {
    /// `Σ_k coef[k]·w^k`. Up to 16 coefficients (the cells' usual 10 to
    /// 14; the rest are 0) by Estrin's scheme, pairs of terms combined with
    /// `w²`, `w⁴`, `w⁸`: four dependent steps instead of Horner's fifteen,
    /// so that the rows' evaluations overlap in the pipelines. The terms
    /// fall by `|w/x₀| ≤ 1/32` each, so either order of summation rounds
    /// alike (a few ulp). Longer cells by Horner's rule.
    #[inline]
    fn eval(&self, w: f64) -> f64 {
        let c = &self.coef;
        if self.len <= 16 {
            let w2 = w * w;
            let w4 = w2 * w2;
            let w8 = w4 * w4;
            let p = |k: usize| c[k] + c[k + 1] * w;
            let q0 = p(0) + p(2) * w2;
            let q1 = p(4) + p(6) * w2;
            let q2 = p(8) + p(10) * w2;
            let q3 = p(12) + p(14) * w2;
            return (q0 + q1 * w4) + (q2 + q3 * w4) * w8;
        }
        let mut v = c[self.len - 1];
        for k in (0..self.len - 1).rev() {
            v = v * w + c[k];
        }
        v
    }
}

/// The new customer's expected purchases `E[X(t)]` of BG/NBD or MBG/NBD,
/// prepared for evaluation at many horizons `t`.
///
/// Both models' values are `scale·E_BG(t; r, α, a, b')` (BG/NBD: scale 1,
/// `b' = b`; MBG/NBD: scale `b/(a+b)`, `b' = b + 1`), and with
/// `x = t/α`, `c = a + b' − 1` (FHL 2005a eq. 9 after Pfaff's
/// transformation, DLMF 15.8.1):
///
/// ```text
/// E_BG(x) = c/(a−1) · (1 − ₂F₁(r, a−1; c; −x))
/// ```
///
/// which solves the hypergeometric equation with a constant right-hand
/// side (DLMF 15.10.1 in `−x`, multiplied out so that nothing divides by
/// `a − 1`):
///
/// ```text
/// x(1+x)·E'' + (c + (r+a)·x)·E' + r(a−1)·E = r·c,
/// E'(x) = r·₂F₁(r+1, a; a+b'; −x)          (DLMF 15.5.1)
/// ```
///
/// The positive `x` axis is cut into cells 1/16 of an octave wide (read
/// from the bits of `x`). For every cell a horizon falls in, the value and
/// the derivative at the cell's centre `x₀` come from the exact paths
/// (the G-form series of
/// [`BgNbdParams::expected_purchases_new`] and [`hyp2f1`]), and the
/// equation gives the Taylor coefficients around `x₀`:
///
/// ```text
/// e_{n+2} = (r·c·[n = 0] − ((1+2x₀)n + c + (r+a)x₀)(n+1)·e_{n+1}
///            − (n+r)(n+a−1)·e_n) / (x₀(1+x₀)(n+2)(n+1))
/// ```
///
/// The series converges at least as fast as `(w/x₀)ⁿ ≤ 32⁻ⁿ` (the
/// equation's singular points are `0` and `−1`), so about 12 terms give
/// the value to rounding; each horizon then costs one polynomial evaluation
/// instead of the G-form's `40/(1 − z)` terms. Horizons below `α/32`, and
/// any cell whose anchor fails, use the G-form series itself. This is
/// this crate's method \[D\]; the values agree with the per-customer
/// function to about `1e-13` relative.
///
/// Timing convention: as the per-customer functions, `t` is a length of
/// time after the customer's first purchase, in the unit of `α`.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{BgNbdParams, NewCustomerCurve};
///
/// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
/// let horizons = [0.0, 13.0, 26.0, 39.0, 52.0];
/// let curve = NewCustomerCurve::bg(&p, &horizons);
/// for &t in &horizons {
///     let fast = curve.expected_purchases(t)?;
///     let exact = p.expected_purchases_new(t)?;
///     assert!((fast - exact).abs() <= 1e-12 * exact);
/// }
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NewCustomerCurve {
    what: &'static str,
    r: f64,
    alpha: f64,
    a: f64,
    /// `b'`: `b` for BG/NBD, `b + 1` for MBG/NBD.
    b: f64,
    scale: f64,
    /// `slots[key − first_key]`: 0 for no cell, else the cell's index + 1.
    slots: Vec<u32>,
    first_key: u64,
    cells: Vec<Cell>,
}

impl NewCustomerCurve {
    /// BG/NBD's `E[X(t)]`, with a cell for every horizon in `horizons`
    /// (any other horizon is still answered, by the series).
    pub fn bg(params: &BgNbdParams, horizons: &[f64]) -> Self {
        Self::build(
            "BG/NBD expected purchases",
            [params.r(), params.alpha(), params.a(), params.b()],
            1.0,
            horizons,
        )
    }

    /// MBG/NBD's `E[X(t)] = b/(a+b)·E_BG(t; r, α, a, b+1)`, with a cell
    /// for every horizon in `horizons`.
    pub fn mbg(params: &MbgNbdParams, horizons: &[f64]) -> Self {
        let (a, b) = (params.a(), params.b());
        Self::build(
            "MBG/NBD expected purchases",
            [params.r(), params.alpha(), a, b + 1.0],
            b / (a + b),
            horizons,
        )
    }

    fn build(what: &'static str, [r, alpha, a, b]: [f64; 4], scale: f64, horizons: &[f64]) -> Self {
        let first_key = X_MIN.to_bits() >> KEY_SHIFT;
        let mut curve = NewCustomerCurve {
            what,
            r,
            alpha,
            a,
            b,
            scale,
            slots: Vec::new(),
            first_key,
            cells: Vec::new(),
        };
        for &t in horizons {
            curve.add_horizon(t);
        }
        curve
    }

    /// Adds the cell of horizon `t` if the curve has none yet (a horizon
    /// that is not finite and ≥ 0, or below `α/32`, adds nothing): for a
    /// caller that meets its horizons one at a time. The cells do not
    /// depend on the order in which horizons come, so neither do the
    /// values.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{BgNbdParams, NewCustomerCurve};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let mut curve = NewCustomerCurve::bg(&p, &[]);
    /// curve.add_horizon(39.0);
    /// assert_eq!(curve.cells(), 1);
    /// let built = NewCustomerCurve::bg(&p, &[39.0]);
    /// assert_eq!(curve.expected_purchases(39.0)?, built.expected_purchases(39.0)?);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[inline]
    pub fn add_horizon(&mut self, t: f64) {
        let Some(key) = self.key(t) else { return };
        let i = (key - self.first_key) as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, 0);
        }
        if self.slots[i] == 0 {
            let cell = self.anchor(key);
            self.cells.push(cell);
            self.slots[i] = self.cells.len() as u32;
        }
    }

    /// Anchors cell `key` at slot index `i` (out of the hot loops).
    #[cold]
    fn push_cell(&mut self, key: u64, i: usize) -> u32 {
        let cell = self.anchor(key);
        self.cells.push(cell);
        let slot = self.cells.len() as u32;
        self.slots[i] = slot;
        slot
    }

    /// The cell key of horizon `t`, or `None` when `t` is not a finite
    /// horizon with `t/α ≥ 1/32`.
    #[inline]
    fn key(&self, t: f64) -> Option<u64> {
        let x = t / self.alpha;
        (x >= X_MIN && x.is_finite()).then(|| x.to_bits() >> KEY_SHIFT)
    }

    /// The Taylor coefficients around the centre of cell `key`.
    fn anchor(&self, key: u64) -> Cell {
        let lo = f64::from_bits(key << KEY_SHIFT);
        let hi = f64::from_bits((key + 1) << KEY_SHIFT);
        let x0 = f64::from_bits((key << KEY_SHIFT) | (1 << (KEY_SHIFT - 1)));
        let h = (hi - lo) / 2.0;
        let mut cell = Cell {
            x0,
            len: 0,
            coef: [0.0; MAX_COEF],
        };
        let (r, a, b) = (self.r, self.a, self.b);
        let c = a + b - 1.0;
        // E_BG depends on t/α only: evaluate at α = 1, t = x₀.
        let (Ok(e0), Ok(f1)) = (
            e_bg(self.what, x0, r, 1.0, a, b),
            hyp2f1(r + 1.0, a, a + b, -x0),
        ) else {
            return cell;
        };
        let e1 = r * f1;
        if !(e0 > 0.0 && e0.is_finite() && e1.is_finite()) {
            return cell;
        }
        cell.coef[0] = e0;
        cell.coef[1] = e1;
        let p0 = x0 * (1.0 + x0);
        let q0 = c + (r + a) * x0;
        let p1 = 1.0 + 2.0 * x0;
        let mut hk = h; // h^(k−1) for coefficient k below
        let mut small_before = (e1 * h).abs() <= TAIL * e0;
        for k in 2..MAX_COEF {
            let n = (k - 2) as f64;
            let rhs = if k == 2 { r * c } else { 0.0 };
            let v = (rhs
                - (p1 * n + q0) * (n + 1.0) * cell.coef[k - 1]
                - (n + r) * (n + a - 1.0) * cell.coef[k - 2])
                / (p0 * (n + 2.0) * (n + 1.0));
            if !v.is_finite() {
                return cell;
            }
            cell.coef[k] = v;
            hk *= h;
            let small = (v * hk).abs() <= TAIL * e0;
            if small && small_before {
                cell.len = k + 1;
                return cell;
            }
            small_before = small;
        }
        cell
    }

    /// `E[X(t)]` for a new customer, as the model's
    /// `expected_purchases_new`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0; the
    /// series' errors where it answers (see
    /// [`BgNbdParams::expected_purchases_new`]).
    #[inline]
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        if let Some(key) = self.key(t) {
            let slot = self
                .slots
                .get((key - self.first_key) as usize)
                .copied()
                .unwrap_or(0);
            if slot > 0 {
                let cell = &self.cells[slot as usize - 1];
                if cell.len > 0 {
                    let w = t / self.alpha - cell.x0;
                    return Ok(self.scale * cell.eval(w));
                }
            }
        }
        Ok(self.scale * e_bg(self.what, t, self.r, self.alpha, self.a, self.b)?)
    }

    /// [`add_horizon`](Self::add_horizon) then
    /// [`expected_purchases`](Self::expected_purchases) in one lookup of
    /// the cell: the same value, bit for bit, for a caller that meets its
    /// horizons one at a time and evaluates each at once (the cells do not
    /// depend on the order in which horizons come).
    ///
    /// # Errors
    ///
    /// As [`expected_purchases`](Self::expected_purchases).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{BgNbdParams, NewCustomerCurve};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let mut curve = NewCustomerCurve::bg(&p, &[]);
    /// let built = NewCustomerCurve::bg(&p, &[39.0]);
    /// let value = curve.expected_purchases_adding(39.0)?;
    /// assert_eq!(value, built.expected_purchases(39.0)?);
    /// assert_eq!(curve.cells(), 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[inline]
    pub fn expected_purchases_adding(&mut self, t: f64) -> Result<f64> {
        if let Some(key) = self.key(t) {
            let i = (key - self.first_key) as usize;
            if i >= self.slots.len() {
                self.slots.resize(i + 1, 0);
            }
            let mut slot = self.slots[i];
            if slot == 0 {
                slot = self.push_cell(key, i);
            }
            let cell = &self.cells[slot as usize - 1];
            if cell.len > 0 {
                let w = t / self.alpha - cell.x0;
                return Ok(self.scale * cell.eval(w));
            }
        }
        self.expected_purchases(t)
    }

    /// [`expected_purchases_adding`](Self::expected_purchases_adding) at
    /// every horizon of `t`, into `out` (of `t`'s length): one tight loop
    /// over one curve's cells, which stay in the cache.
    ///
    /// # Errors
    ///
    /// The first failing horizon's error, as
    /// [`expected_purchases`](Self::expected_purchases); `out` is then
    /// filled only up to it. [`Error::InvalidValue`] when the lengths
    /// differ.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{BgNbdParams, NewCustomerCurve};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let mut curve = NewCustomerCurve::bg(&p, &[]);
    /// let horizons = [13.0, 26.0, 39.0];
    /// let mut out = [0.0; 3];
    /// curve.expected_purchases_adding_many(&horizons, &mut out)?;
    /// for (t, v) in horizons.iter().zip(out) {
    ///     assert_eq!(v, curve.expected_purchases(*t)?);
    /// }
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases_adding_many(&mut self, t: &[f64], out: &mut [f64]) -> Result<()> {
        if t.len() != out.len() {
            return Err(Error::InvalidValue {
                what: "horizons",
                reason: format!("{} horizons for {} outputs", t.len(), out.len()),
            });
        }
        for (o, &t) in out.iter_mut().zip(t) {
            *o = self.expected_purchases_adding(t)?;
        }
        Ok(())
    }

    /// How many cells have a Taylor expansion (for tests and benches).
    pub fn cells(&self) -> usize {
        self.cells.iter().filter(|c| c.len > 0).count()
    }
}

impl BgNbdParams {
    /// `P(X(t) = 0)`: the probability that a new customer makes no repeat
    /// purchase in `(0, t]`, in closed form (FHL 2005a eq. 8 at `n = 0`,
    /// where the beta ratio is 1 and there is no dropout term: a customer
    /// drops out only after a purchase):
    ///
    /// ```text
    /// P(X(t) = 0) = (α/(α+t))^r = exp(−r·log1p(t/α))
    /// ```
    ///
    /// the same value as [`prob_purchases(t, 0)`](Self::prob_purchases)
    /// without its log-gamma terms. Timing convention: `t` is a length of
    /// time after the first purchase, in the unit of `α`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::BgNbdParams;
    ///
    /// let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426)?;
    /// assert!((p.prob_no_purchases(39.0)? / 0.5737863521 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[inline]
    pub fn prob_no_purchases(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        Ok((-self.r() * (t / self.alpha()).ln_1p()).exp())
    }
}

impl GammaGammaParams {
    /// `E[Z | x, z̄]` from a float mean spend `z̄`, the value of
    /// [`expected_spend_f64`](Self::expected_spend_f64) without building a
    /// decimal [`SpendHistory`](crate::btyd::SpendHistory) (Fader, Hardie
    /// & Lee 2005b, eq. 5):
    ///
    /// ```text
    /// x ≥ 1:  p·(γ + x·z̄)/(p·x + q − 1)
    /// x = 0:  p·γ/(q − 1)
    /// ```
    ///
    /// No timing convention: spend per transaction.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] when `z̄` is not finite and ≥ 0, or is 0
    ///   with `x ≥ 1` (as [`SpendHistory::new`](crate::btyd::SpendHistory::new)).
    /// - [`Error::InvalidParameter`] (`q`) where the mean is infinite, and
    ///   [`Error::Overflow`] where it is beyond `f64`, as
    ///   [`expected_spend_f64`](Self::expected_spend_f64).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::GammaGammaParams;
    ///
    /// let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
    /// assert!((gg.expected_spend_of(2, 22.35)? - 24.658616).abs() < 1e-6);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[inline]
    pub fn expected_spend_of(&self, x: u32, zbar: f64) -> Result<f64> {
        let (p, q, gamma) = (self.p(), self.q(), self.gamma());
        let xf = f64::from(x);
        let denom = p * xf + q - 1.0;
        // One test for every valid input (no branch on x, which is
        // unpredictable over a population); at x = 0 the formula is
        // p·γ/(q − 1), bit for bit the population mean's arithmetic.
        let valid = (zbar >= 0.0) & zbar.is_finite() & ((x == 0) | (zbar > 0.0)) & (denom > 0.0);
        if valid {
            let v = p * (gamma + xf * zbar) / denom;
            if v.is_finite() {
                return Ok(v);
            }
            // Overflow far out along the constant-spend limit.
            return if x == 0 {
                self.population_mean_f64()
            } else {
                crate::btyd::gamma_gamma::conditional_mean(p, q, gamma, xf, zbar)
            };
        }
        if !(zbar >= 0.0 && zbar.is_finite()) || (x > 0 && zbar == 0.0) {
            return Err(Error::InvalidValue {
                what: "spend history",
                reason: format!("zbar = {zbar} is not a mean spend for x = {x} repeat purchases"),
            });
        }
        if x == 0 {
            return self.population_mean_f64();
        }
        Err(Error::InvalidParameter {
            name: "q",
            value: q.to_string(),
            reason: "the expected spend needs p*x + q > 1",
        })
    }
}

/// Rows below which [`ParetoNbdBulk`] works on one thread.
const PARETO_PARALLEL_ROWS: usize = 16_384;

/// Pareto/NBD predictions for many customers at one set of parameters:
/// P(alive), the conditional expected purchases and the conditional pmf,
/// each row's value a function of that row alone (never of the rows
/// beside it, the thread count or the chunking).
///
/// * [`p_alive`](Self::p_alive) is bit for bit
///   [`ParetoNbdParams::p_alive`] (`expit(D1 − D2)`, FH note 009 eq. 27 in
///   the crate's stable form): for each purchase count `x` every `K_{r+x, s+1}(y)` (the integral of
///   the likelihood's second term, a hypergeometric series) is computed
///   once per distinct time `y` among the rows' `t_x` and `T`, as the fit
///   does, and the rows without a repeat purchase (`t_x = 0`) share one
///   evaluation per distinct age `T`. On a day grid a few thousand times
///   serve any number of rows.
/// * [`expected_purchases`](Self::expected_purchases) is bit for bit
///   [`ParetoNbdParams::expected_purchases`]
///   (`P(alive) · (r+x)(β+T)/(α+T) · (1 − ((β+T)/(β+T+t))^(s−1))/(s−1)`,
///   FH note 009 eq. 41) from those P(alive).
/// * [`conditional_prob_purchases`](Self::conditional_prob_purchases) is
///   [`ParetoNbdParams::conditional_prob_purchases`] (`P(alive)` times
///   the new-customer pmf at `(r+x, α+T, s, β+T)`, plus `1 − P(alive)` at
///   `n = 0`; Jerath, Fader & Hardie's conditional pmf) to about `1e-14`
///   relative: the new-customer pmf's series takes its incomplete beta
///   functions from one `₂F₁` and the positive recurrence
///   `F_a = 1 + w(a+b)/(a+1)·F_{a+1}` (DLMF 8.17.20) instead of one
///   `₂F₁` series per term, and rows with equal `(x, T)` share it. This is
///   this crate's method \[D\].
///
/// How the rows share work: each part of the rows replaces every time
/// (`t_x` and `T`) by its slot among the part's distinct times (an
/// open-addressing table of their bits), groups its rows by purchase count
/// (a counting sort), and runs one count at a time with that count's
/// `ln K` in a table indexed by slot, so that a row's lookups hit the
/// cache and no hash table is probed per row; `ln(1 + y/α)`,
/// `ln(1 + y/β)` and the expectation's factor of `T` are computed once
/// per distinct time. Every value is a deterministic function of its own
/// row (the tables hold values of `(x, y)` only), so neither the grouping
/// nor which rows come first changes a bit.
///
/// Large calls are split over the machine's cores (at most 8) in
/// contiguous parts of the rows (each part keeps its own tables); the
/// first error in row order is returned. The `*_columns` entry points take
/// the rows as three columns, without building histories.
///
/// Timing convention: as the per-customer functions, `t_x` and `T` from
/// the customer's first purchase, the horizon `t` after `T`, all in the
/// unit of `α` and `β`.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{CustomerHistory, ParetoNbdBulk, ParetoNbdParams};
///
/// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
/// let rows = [(0, 0.0, 39.0), (2, 30.43, 38.86), (26, 30.85714, 31.0)];
/// let histories: Vec<CustomerHistory> = rows
///     .iter()
///     .enumerate()
///     .map(|(i, &(x, t_x, big_t))| CustomerHistory::new(CustomerId::new(i as u64), x, t_x, big_t))
///     .collect::<Result<_, _>>()?;
/// let bulk = ParetoNbdBulk::new(p);
/// let alive = bulk.p_alive(&histories)?;
/// let pmf = bulk.conditional_prob_purchases(&histories, 52.0, 1)?;
/// for (i, h) in histories.iter().enumerate() {
///     assert_eq!(alive[i], p.p_alive(h)?);
///     let exact = p.conditional_prob_purchases(h, 52.0, 1)?;
///     assert!((pmf[i] - exact).abs() <= 1e-12 * exact);
/// }
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbdBulk {
    params: ParetoNbdParams,
}

impl ParetoNbdBulk {
    /// The bulk paths at `params`.
    pub fn new(params: ParetoNbdParams) -> Self {
        Self { params }
    }

    /// The parameters.
    pub fn params(&self) -> &ParetoNbdParams {
        &self.params
    }

    /// P(alive) of every history, bit for bit [`ParetoNbdParams::p_alive`].
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::p_alive`], for the first failing row.
    pub fn p_alive(&self, histories: &[CustomerHistory]) -> Result<Vec<f64>> {
        self.run(histories, Want::Alive)
    }

    /// [`p_alive`](Self::p_alive) from columns: the purchase counts `x`,
    /// the times of the last purchase `t_x` and the ages `T` (as
    /// [`CustomerHistory::new`] takes them), without building the
    /// histories.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the columns' lengths differ or a row is
    /// not a history ([`CustomerHistory::new`]'s error, the customer
    /// numbered by its row); else as [`p_alive`](Self::p_alive).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdBulk, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let (x, t_x, age) = ([0, 2, 26], [0.0, 30.43, 30.85714], [39.0, 38.86, 31.0]);
    /// let alive = ParetoNbdBulk::new(p).p_alive_columns(&x, &t_x, &age)?;
    /// for i in 0..3 {
    ///     let h = CustomerHistory::new(CustomerId::new(i as u64), x[i], t_x[i], age[i])?;
    ///     assert_eq!(alive[i], p.p_alive(&h)?);
    /// }
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn p_alive_columns(&self, x: &[u32], t_x: &[f64], age: &[f64]) -> Result<Vec<f64>> {
        self.run(&Columns::new(x, t_x, age)?, Want::Alive)
    }

    /// `E[Y(t) | x, t_x, T]` of every history, bit for bit
    /// [`ParetoNbdParams::expected_purchases`].
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::expected_purchases`], for the first failing
    /// row.
    pub fn expected_purchases(&self, histories: &[CustomerHistory], t: f64) -> Result<Vec<f64>> {
        check_horizon(t)?;
        self.run(histories, Want::Expected(t))
    }

    /// [`expected_purchases`](Self::expected_purchases) from columns, as
    /// [`p_alive_columns`](Self::p_alive_columns).
    ///
    /// # Errors
    ///
    /// As [`p_alive_columns`](Self::p_alive_columns), and
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0.
    pub fn expected_purchases_columns(
        &self,
        x: &[u32],
        t_x: &[f64],
        age: &[f64],
        t: f64,
    ) -> Result<Vec<f64>> {
        check_horizon(t)?;
        self.run(&Columns::new(x, t_x, age)?, Want::Expected(t))
    }

    /// One history's `E[Y(t) | x, t_x, T]` from its P(alive): bit for bit
    /// [`ParetoNbdParams::expected_purchases`] when `p_alive` is
    /// [`ParetoNbdParams::p_alive`]'s (or [`p_alive`](Self::p_alive)'s),
    /// for a caller that needs several horizons per customer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0.
    pub fn expected_purchases_given_alive(
        &self,
        p_alive: f64,
        history: &CustomerHistory,
        t: f64,
    ) -> Result<f64> {
        self.params
            .expected_purchases_given_alive(p_alive, history, t)
    }

    /// `P(X(T, T+t) = n | x, t_x, T)` of every history, as
    /// [`ParetoNbdParams::conditional_prob_purchases`] to about `1e-14`
    /// relative; each row's value is [`conditional_prob_purchases_of`](Self::conditional_prob_purchases_of)'s
    /// bit for bit.
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::conditional_prob_purchases`], for the first
    /// failing row.
    pub fn conditional_prob_purchases(
        &self,
        histories: &[CustomerHistory],
        t: f64,
        n: u32,
    ) -> Result<Vec<f64>> {
        check_horizon(t)?;
        self.run(histories, Want::Pmf(t, n))
    }

    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases)
    /// from columns, as [`p_alive_columns`](Self::p_alive_columns).
    ///
    /// # Errors
    ///
    /// As [`p_alive_columns`](Self::p_alive_columns), and
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0.
    pub fn conditional_prob_purchases_columns(
        &self,
        x: &[u32],
        t_x: &[f64],
        age: &[f64],
        t: f64,
        n: u32,
    ) -> Result<Vec<f64>> {
        check_horizon(t)?;
        self.run(&Columns::new(x, t_x, age)?, Want::Pmf(t, n))
    }

    /// One history's conditional pmf by the arithmetic of
    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases).
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::conditional_prob_purchases`].
    pub fn conditional_prob_purchases_of(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        check_horizon(t)?;
        let alive = self.params.p_alive(history)?;
        mix(
            alive,
            self.updated_pmf(history.x(), history.age(), t, n)?,
            n,
        )
    }

    /// The new customer's `P(X(t) = n)` at `(r+x, α+T, s, β+T)`.
    fn updated_pmf(&self, x: u32, age: f64, t: f64, n: u32) -> Result<f64> {
        let p = &self.params;
        let x = f64::from(x);
        ParetoNbdParams::new(p.r() + x, p.alpha() + age, p.s(), p.beta() + age)?
            .prob_purchases_recurrence(t, n)
    }

    /// `want` of every row, over contiguous parts of the rows on up to 8
    /// threads for large inputs (each part with its own tables); the first
    /// error in row order.
    fn run<R: Rows + ?Sized>(&self, rows: &R, want: Want) -> Result<Vec<f64>> {
        let n = rows.len();
        let threads = if n < PARETO_PARALLEL_ROWS {
            1
        } else {
            std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(8)
        };
        let chunk = n.div_ceil(threads).max(1);
        let mut out = vec![0.0; n];
        if threads < 2 {
            return match self.part(rows, 0, &mut out, want) {
                Some((_, e)) => Err(e),
                None => Ok(out),
            };
        }
        let failures: Vec<Option<(usize, Error)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = out
                .chunks_mut(chunk)
                .enumerate()
                .map(|(k, o)| scope.spawn(move || self.part(rows, k * chunk, o, want)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        // The parts are in row order: the first failing part's first error.
        match failures.into_iter().flatten().next() {
            Some((_, e)) => Err(e),
            None => Ok(out),
        }
    }

    /// `want` of rows `start..start + out.len()`, grouped by purchase
    /// count with their times as slots ([`Slotted`]): for each count, each
    /// `ln K(y)` once per distinct time, in a table indexed by the time's
    /// slot; P(alive) of the rows without a repeat purchase once per
    /// distinct age. `Some((row, error))` for the lowest failing row.
    fn part<R: Rows + ?Sized>(
        &self,
        rows: &R,
        start: usize,
        out: &mut [f64],
        want: Want,
    ) -> Option<(usize, Error)> {
        let p = &self.params;
        let (r, al, s, be) = (p.r(), p.alpha(), p.s(), p.beta());
        let slotted = Slotted::new(rows, start, out.len());
        let times = &slotted.times;
        let slots = times.len();
        // ln(1 + y/α), ln(1 + y/β) per time: as the memo computes them.
        let la: Vec<f64> = times.iter().map(|&y| (y / al).ln_1p()).collect();
        let lb: Vec<f64> = times.iter().map(|&y| (y / be).ln_1p()).collect();
        let (ln_s, ln_be) = (s.ln(), be.ln());
        // Per slot, stamped with the group's number: ln K (stamp 2·g: a value,
        // 2·g + 1: no form converged); the value of a row without a repeat
        // purchase, or the new customer's pmf at the updated parameters.
        let mut k_stamp = vec![0u32; slots];
        let mut k_val = vec![0.0f64; slots];
        let mut v_stamp = vec![0u32; slots];
        let mut v_val = vec![0.0f64; slots];
        // E: `−h(s−1, −ln(1 + t/(β+T)))` per age slot (NaN: not yet).
        let mut hh = match want {
            Want::Expected(_) => vec![f64::NAN; slots],
            _ => Vec::new(),
        };
        let mut failed: Option<(usize, Error)> = None;
        let fail = |row: usize, e: Error, failed: &mut Option<(usize, Error)>| {
            if failed.as_ref().is_none_or(|(i, _)| row < *i) {
                *failed = Some((row, e));
            }
        };
        for (stamp, &(x, lo, hi)) in (1u32..).zip(&slotted.groups) {
            let xf = f64::from(x);
            let rx = r + xf;
            let ln_c1 = (r + xf + s).ln();
            let mut k = |slot: u32| -> Option<f64> {
                let j = slot as usize;
                if k_stamp[j] == 2 * stamp {
                    return Some(k_val[j]);
                }
                if k_stamp[j] == 2 * stamp + 1 {
                    return None;
                }
                let v = p.alive_ln_k(xf, ln_c1, times[j], la[j], lb[j]);
                k_stamp[j] = 2 * stamp + u32::from(v.is_none());
                k_val[j] = v.unwrap_or(f64::NAN);
                v
            };
            for &[i, st, sx] in &slotted.rows[lo..hi] {
                let (i, st) = (i as usize, st as usize);
                let row = start + i;
                // P(alive): a row without repeat purchase depends on its age
                // alone, and the age's value is kept (in `v_val` unless the
                // rows want the pmf, which keeps its own values there).
                let keep = x == 0 && !matches!(want, Want::Pmf(..));
                let alive = if keep && v_stamp[st] == stamp {
                    Ok(v_val[st])
                } else {
                    // eval_row_memo's arithmetic (P(alive) = expit(D1 − D2)).
                    let d1 = -rx * la[st] - s * lb[st];
                    let mut d2 = f64::NEG_INFINITY;
                    let mut ok = true;
                    if sx != NO_SLOT {
                        match (k(sx), k(st as u32)) {
                            (Some(k1), Some(k2)) => {
                                let at = (times[sx as usize], times[st]);
                                d2 = p.alive_d2(xf, (k1, k2), at, ln_s, ln_be);
                            }
                            _ => ok = false,
                        }
                    }
                    let v = if ok {
                        let v = expit(d1 - d2);
                        if v.is_nan() {
                            Err(Error::Overflow {
                                what: "Pareto/NBD P(alive)",
                            })
                        } else {
                            Ok(v)
                        }
                    } else {
                        // No form of K: the crate's death-time integral.
                        rows.history(row).and_then(|h| p.p_alive(&h))
                    };
                    if keep {
                        if let Ok(v) = v {
                            v_stamp[st] = stamp;
                            v_val[st] = v;
                        }
                    }
                    v
                };
                let alive = match alive {
                    Ok(v) => v,
                    Err(e) => {
                        fail(row, e, &mut failed);
                        continue;
                    }
                };
                let value = match want {
                    Want::Alive => Ok(alive),
                    Want::Expected(t) => {
                        if alive == 0.0 || t == 0.0 {
                            Ok(0.0)
                        } else {
                            // expected_given_alive's arithmetic.
                            let big_t = times[st];
                            let bt = be + big_t;
                            if hh[st].is_nan() {
                                hh[st] = -h(s - 1.0, -(t / bt).ln_1p());
                            }
                            Ok(alive * rx * bt / (al + big_t) * hh[st])
                        }
                    }
                    Want::Pmf(t, n) => {
                        let p_new = if v_stamp[st] == stamp {
                            Ok(v_val[st])
                        } else {
                            self.updated_pmf(x, times[st], t, n).inspect(|&v| {
                                v_stamp[st] = stamp;
                                v_val[st] = v;
                            })
                        };
                        p_new.and_then(|p_new| mix(alive, p_new, n))
                    }
                };
                match value {
                    Ok(v) => out[i] = v,
                    Err(e) => fail(row, e, &mut failed),
                }
            }
        }
        failed
    }
}

/// What [`ParetoNbdBulk::part`] computes per row.
#[derive(Debug, Clone, Copy)]
enum Want {
    Alive,
    Expected(f64),
    Pmf(f64, u32),
}

/// Mixes "alive: `p_new`" with "dead: no purchase" (as the crate's
/// conditional pmfs).
fn mix(alive: f64, p_new: f64, n: u32) -> Result<f64> {
    let v = alive * p_new + if n == 0 { 1.0 - alive } else { 0.0 };
    if v.is_finite() {
        Ok(v.clamp(0.0, 1.0))
    } else {
        Err(Error::Overflow {
            what: "Pareto/NBD conditional purchase probability",
        })
    }
}

/// Customer histories as the bulk paths read them: `(x, t_x, T)` of a
/// row, every row valid.
trait Rows: Sync {
    fn len(&self) -> usize;
    fn row(&self, i: usize) -> (u32, f64, f64);
    /// Row `i` as a history (numbered by its row).
    fn history(&self, i: usize) -> Result<CustomerHistory> {
        let (x, t_x, age) = self.row(i);
        CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age)
    }
}

impl Rows for [CustomerHistory] {
    fn len(&self) -> usize {
        <[CustomerHistory]>::len(self)
    }
    #[inline]
    fn row(&self, i: usize) -> (u32, f64, f64) {
        let h = &self[i];
        (h.x(), h.t_x(), h.age())
    }
    fn history(&self, i: usize) -> Result<CustomerHistory> {
        Ok(self[i])
    }
}

/// Three columns of equal length whose every row is a valid history.
struct Columns<'a> {
    x: &'a [u32],
    t_x: &'a [f64],
    age: &'a [f64],
}

impl<'a> Columns<'a> {
    fn new(x: &'a [u32], t_x: &'a [f64], age: &'a [f64]) -> Result<Self> {
        if x.len() != t_x.len() || x.len() != age.len() {
            return Err(Error::InvalidValue {
                what: "customer history",
                reason: format!(
                    "columns of {}, {} and {} rows",
                    x.len(),
                    t_x.len(),
                    age.len()
                ),
            });
        }
        let columns = Self { x, t_x, age };
        // One branch-free pass; the first bad row's own error after it.
        let ok = (0..x.len()).fold(true, |ok, i| {
            let (t_x, age) = (t_x[i], age[i]);
            ok & (age < f64::INFINITY)
                & (age > 0.0)
                & (t_x >= 0.0)
                & (t_x <= age)
                & ((x[i] == 0) == (t_x == 0.0))
        });
        if !ok {
            for i in 0..x.len() {
                columns.history(i)?;
            }
        }
        Ok(columns)
    }
}

impl Rows for Columns<'_> {
    fn len(&self) -> usize {
        self.x.len()
    }
    #[inline]
    fn row(&self, i: usize) -> (u32, f64, f64) {
        (self.x[i], self.t_x[i], self.age[i])
    }
}

/// A slot that no time has: the row needs no `K(t_x)` (`t_x = T`).
const NO_SLOT: u32 = u32::MAX;

/// Purchase counts below this find their group in a vector; larger ones
/// in a hash map.
const DIRECT_COUNTS: usize = 4096;

/// One part of the rows, grouped by purchase count, each time (`t_x` and
/// `T`) replaced by its slot among the part's distinct times (by bits):
/// the tables per count are then indexed by slot, and each count's rows
/// run together, while its tables are in cache.
struct Slotted {
    /// The distinct times, by slot.
    times: Vec<f64>,
    /// Per row, grouped by count: the row (from the part's start), the
    /// slot of `T` and the slot of `t_x` ([`NO_SLOT`] when `t_x = T`).
    rows: Vec<[u32; 3]>,
    /// Per count: `(x, first, end)` into `rows`.
    groups: Vec<(u32, usize, usize)>,
}

impl Slotted {
    fn new<R: Rows + ?Sized>(source: &R, start: usize, len: usize) -> Self {
        let mut index = TimeIndex::new(len);
        let mut slot = |y: f64| index.slot(y);
        let mut direct: Vec<u32> = Vec::new(); // x → group + 1
        let mut other: FxHashMap<u32, u32> = FxHashMap::default();
        let mut counts: Vec<(u32, usize)> = Vec::new(); // (x, rows)
        let mut tagged: Vec<[u32; 3]> = Vec::with_capacity(len);
        for i in 0..len {
            let (x, t_x, age) = source.row(start + i);
            let st = slot(age);
            let sx = if t_x < age { slot(t_x) } else { NO_SLOT };
            let g = if (x as usize) < DIRECT_COUNTS {
                if x as usize >= direct.len() {
                    direct.resize(x as usize + 1, 0);
                }
                let g = &mut direct[x as usize];
                if *g == 0 {
                    counts.push((x, 0));
                    *g = counts.len() as u32;
                }
                *g - 1
            } else {
                let next = counts.len() as u32;
                let g = *other.entry(x).or_insert(next);
                if g == next {
                    counts.push((x, 0));
                }
                g
            };
            counts[g as usize].1 += 1;
            tagged.push([g, st, sx]);
        }
        let mut groups = Vec::with_capacity(counts.len());
        let mut next = Vec::with_capacity(counts.len());
        let mut at = 0;
        for &(x, c) in &counts {
            groups.push((x, at, at + c));
            next.push(at);
            at += c;
        }
        let mut rows = vec![[0u32; 3]; len];
        for (i, [g, st, sx]) in tagged.into_iter().enumerate() {
            let k = &mut next[g as usize];
            rows[*k] = [i as u32, st, sx];
            *k += 1;
        }
        Self {
            times: index.times,
            rows,
            groups,
        }
    }
}

/// The slot of each distinct time (by bits), in an open-addressing table
/// of `(bits, slot)` pairs at most half full (one probe of one cache line
/// for most lookups, where a general hash map reads its control bytes
/// and then its entries).
struct TimeIndex {
    /// `(bits, slot)`, [`TimeIndex::EMPTY`] bits for a free entry.
    table: Vec<(u64, u32)>,
    /// `64 − log2(table.len())`.
    shift: u32,
    times: Vec<f64>,
}

impl TimeIndex {
    /// The bits of no time (a NaN).
    const EMPTY: u64 = u64::MAX;

    /// Room for the times of `rows` rows (at most two each) up to 2,048
    /// times before it grows: a call on a few rows does not clear a large
    /// table.
    fn new(rows: usize) -> Self {
        let bits = rows
            .saturating_mul(4)
            .clamp(16, 1 << 12)
            .next_power_of_two()
            .trailing_zeros();
        Self {
            table: vec![(Self::EMPTY, 0); 1 << bits],
            shift: 64 - bits,
            times: Vec::new(),
        }
    }

    #[inline]
    fn slot(&mut self, y: f64) -> u32 {
        let bits = y.to_bits();
        let mask = self.table.len() - 1;
        let mut i = (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
        loop {
            let (k, v) = self.table[i];
            if k == bits {
                return v;
            }
            if k == Self::EMPTY {
                break;
            }
            i = (i + 1) & mask;
        }
        let v = self.times.len() as u32;
        self.times.push(y);
        self.table[i] = (bits, v);
        if 2 * self.times.len() > self.table.len() {
            self.grow();
        }
        v
    }

    /// Twice the room, every entry placed again.
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.table);
        self.table = vec![(Self::EMPTY, 0); 2 * old.len()];
        self.shift -= 1;
        let mask = self.table.len() - 1;
        for (k, v) in old.into_iter().filter(|e| e.0 != Self::EMPTY) {
            let mut i = (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
            while self.table[i].0 != Self::EMPTY {
                i = (i + 1) & mask;
            }
            self.table[i] = (k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::SpendHistory;
    use proptest::prelude::*;

    fn rel(a: f64, b: f64) -> f64 {
        if a == b { 0.0 } else { ((a - b) / b).abs() }
    }

    /// Adding and evaluating in one lookup changes nothing: every horizon
    /// of every regime gives the bits of `add_horizon` then
    /// `expected_purchases` on a curve built from all the horizons, one at
    /// a time or many at once, in either order; a bad horizon and a length
    /// mismatch are errors.
    #[test]
    fn expected_purchases_adding_is_add_then_evaluate() {
        for p in [
            BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap(),
            BgNbdParams::new(3.0, 0.5, 0.01, 0.2).unwrap(),
        ] {
            let ts = horizons(p.alpha());
            let built = NewCustomerCurve::bg(&p, &ts);
            let mut one = NewCustomerCurve::bg(&p, &[]);
            let mut many = NewCustomerCurve::bg(&p, &[]);
            let reversed: Vec<f64> = ts.iter().rev().copied().collect();
            let mut out = vec![0.0; ts.len()];
            many.expected_purchases_adding_many(&reversed, &mut out)
                .unwrap();
            for (k, &t) in ts.iter().enumerate() {
                let want = built.expected_purchases(t).unwrap().to_bits();
                assert_eq!(one.expected_purchases_adding(t).unwrap().to_bits(), want);
                assert_eq!(out[ts.len() - 1 - k].to_bits(), want, "t = {t}");
            }
            assert_eq!(one.cells(), built.cells());
            assert!(one.expected_purchases_adding(-1.0).is_err());
            assert!(one.expected_purchases_adding(f64::NAN).is_err());
            assert!(
                many.expected_purchases_adding_many(&ts, &mut out[1..])
                    .is_err()
            );
        }
    }

    /// Horizons across every regime: 0, below α/32 (the series), cells
    /// near the bottom, the middle and far beyond α.
    fn horizons(alpha: f64) -> Vec<f64> {
        let mut t = vec![0.0, 1e-9 * alpha, 0.01 * alpha, alpha / 32.0, alpha / 31.9];
        t.extend((0..2000).map(|i| f64::from(i) * 0.037 * alpha));
        t.extend([1e2, 1e3, 1e4, 3e4].map(|k| k * alpha));
        t
    }

    #[test]
    fn bg_curve_is_the_series_everywhere() {
        for (r, alpha, a, b) in [
            (0.242593, 4.413532, 0.792886, 2.425754),
            (0.25, 4.0, 0.8, 2.5),
            (0.55, 10.5, 1.0, 12.0), // a = 1: no 0/0
            (3.0, 0.5, 5.0, 0.7),
            (12.0, 30.0, 0.3, 40.0),
            (0.05, 200.0, 2.5, 0.4),
        ] {
            let p = BgNbdParams::new(r, alpha, a, b).unwrap();
            let t = horizons(alpha);
            let curve = NewCustomerCurve::bg(&p, &t);
            assert!(curve.cells() > 10, "{r} {alpha} {a} {b}");
            for &h in &t {
                let exact = p.expected_purchases_new(h).unwrap();
                let fast = curve.expected_purchases(h).unwrap();
                assert!(
                    rel(fast, exact) < 1e-11,
                    "{r} {alpha} {a} {b} t={h}: {fast} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn mbg_curve_is_the_series_everywhere() {
        for (r, alpha, a, b) in [
            (0.524838, 6.182992, 0.891356, 1.614),
            (0.25, 4.0, 0.8, 2.5),
            (2.0, 1.0, 1.0, 0.5),
        ] {
            let p = MbgNbdParams::new(r, alpha, a, b).unwrap();
            let t = horizons(alpha);
            let curve = NewCustomerCurve::mbg(&p, &t);
            for &h in &t {
                let exact = p.expected_purchases_new(h).unwrap();
                let fast = curve.expected_purchases(h).unwrap();
                assert!(rel(fast, exact) < 1e-11, "t={h}: {fast} vs {exact}");
            }
        }
    }

    /// The anchor's derivative is the curve's slope: a central difference
    /// of the series at the cell centre.
    #[test]
    fn anchor_derivative_is_the_slope_of_the_series() {
        let p = BgNbdParams::new(0.7, 3.0, 1.4, 2.2).unwrap();
        for x0 in [0.1, 1.0, 7.5, 60.0] {
            let curve = NewCustomerCurve::bg(&p, &[x0 * 3.0]);
            let cell = curve.cells[0];
            let d = 1e-5 * cell.x0;
            let fd = (e_bg("t", cell.x0 + d, 0.7, 1.0, 1.4, 2.2).unwrap()
                - e_bg("t", cell.x0 - d, 0.7, 1.0, 1.4, 2.2).unwrap())
                / (2.0 * d);
            assert!(rel(cell.coef[1], fd) < 1e-7, "{x0}");
        }
    }

    #[test]
    fn bad_horizons_are_errors_and_unseen_ones_still_answer() {
        let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap();
        let curve = NewCustomerCurve::bg(&p, &[1.0, f64::NAN, -1.0]);
        assert!(curve.expected_purchases(-1.0).is_err());
        assert!(curve.expected_purchases(f64::NAN).is_err());
        assert!(curve.expected_purchases(f64::INFINITY).is_err());
        assert_eq!(curve.expected_purchases(0.0).unwrap(), 0.0);
        // 40 lies in no cell built above: the series answers.
        assert_eq!(
            curve.expected_purchases(40.0).unwrap(),
            p.expected_purchases_new(40.0).unwrap()
        );
    }

    #[test]
    fn prob_no_purchases_is_the_pmf_at_zero() {
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        for t in [0.0, 1e-12, 0.5, 39.0, 1e6, 1e300] {
            let exact = p.prob_purchases(t, 0).unwrap();
            assert!(rel(p.prob_no_purchases(t).unwrap(), exact) < 1e-13, "{t}");
        }
        assert!(p.prob_no_purchases(-1.0).is_err());
        assert!(p.prob_no_purchases(f64::NAN).is_err());
    }

    #[test]
    fn expected_spend_of_is_the_decimal_path() {
        use rust_decimal::prelude::FromPrimitive;
        let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
        for (x, z) in [
            (0u32, 0.0),
            (0, 12.5),
            (1, 0.01),
            (2, 22.35),
            (7, 1234.56),
            (500, 3.3),
        ] {
            let s = SpendHistory::new(
                CustomerId::new(1),
                x,
                rust_decimal::Decimal::from_f64(z).unwrap(),
            )
            .unwrap();
            let exact = gg.expected_spend_f64(&s).unwrap();
            assert!(
                rel(gg.expected_spend_of(x, z).unwrap(), exact) < 1e-14,
                "{x} {z}"
            );
        }
        assert_eq!(
            gg.expected_spend_of(0, 7.5).unwrap(),
            gg.population_mean_f64().unwrap()
        );
        assert!(gg.expected_spend_of(1, 0.0).is_err());
        assert!(gg.expected_spend_of(1, -2.0).is_err());
        assert!(gg.expected_spend_of(1, f64::NAN).is_err());
        let heavy = GammaGammaParams::new(6.0, 0.8, 15.0).unwrap();
        assert!(heavy.expected_spend_of(0, 0.0).is_err());
    }

    /// Seeded awkward histories: no repeat purchase, a purchase at the
    /// end of the window (`t_x = T`), heavy buyers, tiny and long ages,
    /// a day grid (repeated times) and real-valued times.
    fn pareto_histories(rows: usize) -> Vec<CustomerHistory> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..rows)
            .map(|i| {
                let big_t = match i % 5 {
                    0 => (next() * 78.0).ceil(),
                    1 => 1e-6 + next() * 300.0,
                    _ => ((1.0 + next() * 77.0) * 7.0).round() / 7.0,
                };
                let x = match i % 7 {
                    0..=2 => 0,
                    3 => (next() * 3.0) as u32 + 1,
                    4 => (next() * 300.0) as u32 + 1,
                    _ => (next() * 20.0) as u32 + 1,
                };
                let t_x = match (x, i % 11) {
                    (0, _) => 0.0,
                    (_, 0) => big_t,
                    _ => (next() * big_t).max(1e-9),
                };
                CustomerHistory::new(CustomerId::new(i as u64), x, t_x, big_t).unwrap()
            })
            .collect()
    }

    const PARETO: [(f64, f64, f64, f64); 5] = [
        (0.553275, 10.577611, 0.606213, 11.667908), // CDNOW (FH note 009)
        (0.55, 10.5, 0.6, 12.0),
        (1.3, 4.0, 2.0, 4.0),  // α = β: the series' κ = 0
        (0.8, 30.0, 1.0, 3.0), // α > β, s = 1
        (5.0, 0.7, 0.2, 90.0),
    ];

    #[test]
    fn pareto_bulk_alive_and_expected_are_the_crate_bit_for_bit() {
        let rows = pareto_histories(40_000); // above the threaded size
        for (r, alpha, s, beta) in PARETO {
            let p = ParetoNbdParams::new(r, alpha, s, beta).unwrap();
            let bulk = ParetoNbdBulk::new(p);
            let alive = bulk.p_alive(&rows).unwrap();
            let e = bulk.expected_purchases(&rows, 52.0).unwrap();
            for (i, h) in rows.iter().enumerate() {
                assert_eq!(alive[i].to_bits(), p.p_alive(h).unwrap().to_bits(), "{i}");
                let exact = p.expected_purchases(h, 52.0).unwrap();
                assert_eq!(e[i].to_bits(), exact.to_bits(), "{i}");
            }
        }
    }

    #[test]
    fn pareto_bulk_pmf_is_the_series_and_one_call_is_many_calls() {
        let rows = pareto_histories(3_000);
        for (r, alpha, s, beta) in PARETO {
            let p = ParetoNbdParams::new(r, alpha, s, beta).unwrap();
            let bulk = ParetoNbdBulk::new(p);
            for (t, n) in [(10.0, 0), (10.0, 2), (52.0, 1), (0.5, 7), (300.0, 3)] {
                let all = bulk.conditional_prob_purchases(&rows, t, n).unwrap();
                // The rows in reverse: another grouping and other neighbours.
                let rev: Vec<_> = rows.iter().rev().copied().collect();
                let back = bulk.conditional_prob_purchases(&rev, t, n).unwrap();
                let mut total = 0.0;
                for (i, h) in rows.iter().enumerate() {
                    let one = bulk.conditional_prob_purchases_of(h, t, n).unwrap();
                    assert_eq!(all[i].to_bits(), one.to_bits(), "row {i}");
                    assert_eq!(back[rows.len() - 1 - i].to_bits(), one.to_bits());
                    let exact = p.conditional_prob_purchases(h, t, n).unwrap();
                    assert!(
                        (all[i] - exact).abs() <= 1e-12 * exact + 1e-300,
                        "{r} {alpha} {s} {beta} t={t} n={n} {h:?}: {} vs {exact}",
                        all[i]
                    );
                    total += all[i];
                }
                assert!(total > 0.0);
            }
        }
    }

    /// The column entry points are the history ones bit for bit, rows in
    /// any order (another grouping, other slots) give the same values,
    /// counts beyond the vector of groups are grouped too, and a bad row or
    /// column length is an error naming the row.
    #[test]
    fn pareto_columns_are_the_histories_in_any_order() {
        let mut rows = pareto_histories(5_000);
        // Heavy buyers beyond DIRECT_COUNTS, sharing times with others.
        for (i, x) in [(3, 5_000u32), (10, 5_000), (11, 70_000)] {
            let h = rows[i];
            rows[i] = CustomerHistory::new(CustomerId::new(i as u64), x, h.age(), h.age()).unwrap();
        }
        let x: Vec<u32> = rows.iter().map(|h| h.x()).collect();
        let t_x: Vec<f64> = rows.iter().map(|h| h.t_x()).collect();
        let age: Vec<f64> = rows.iter().map(|h| h.age()).collect();
        let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
        let bulk = ParetoNbdBulk::new(p);
        let alive = bulk.p_alive(&rows).unwrap();
        let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&bulk.p_alive_columns(&x, &t_x, &age).unwrap()),
            bits(&alive)
        );
        let e = bulk.expected_purchases(&rows, 26.0).unwrap();
        let e_cols = bulk
            .expected_purchases_columns(&x, &t_x, &age, 26.0)
            .unwrap();
        assert_eq!(bits(&e_cols), bits(&e));
        let pmf = bulk.conditional_prob_purchases(&rows, 26.0, 1).unwrap();
        let pmf_cols = bulk
            .conditional_prob_purchases_columns(&x, &t_x, &age, 26.0, 1)
            .unwrap();
        assert_eq!(bits(&pmf_cols), bits(&pmf));
        // A fixed shuffle of the rows.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<_> = order.iter().map(|&i| rows[i]).collect();
        let alive_s = bulk.p_alive(&shuffled).unwrap();
        let pmf_s = bulk.conditional_prob_purchases(&shuffled, 26.0, 1).unwrap();
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(alive_s[k].to_bits(), alive[i].to_bits(), "row {i}");
            assert_eq!(pmf_s[k].to_bits(), pmf[i].to_bits(), "row {i}");
            assert_eq!(alive[i].to_bits(), p.p_alive(&rows[i]).unwrap().to_bits());
        }
        // Errors: the first bad row, and mismatched columns.
        let mut bad = t_x.clone();
        bad[7] = age[7] * 2.0 + 1.0;
        bad[9] = f64::NAN;
        let err = bulk.p_alive_columns(&x, &bad, &age).unwrap_err();
        assert!(err.to_string().contains("customer 7"), "{err}");
        assert!(bulk.p_alive_columns(&x[1..], &t_x, &age).is_err());
        assert!(
            bulk.expected_purchases_columns(&x, &t_x, &age, f64::NAN)
                .is_err()
        );
        let mut zero = x.clone();
        let j = t_x.iter().position(|&v| v > 0.0).unwrap();
        zero[j] = 0;
        assert!(bulk.p_alive_columns(&zero, &t_x, &age).is_err());
    }

    /// Far apart `α` and `β` (`β/α` of 10⁵ and more: `K` from its
    /// transformed and split forms, not the plain series): every value is
    /// still [`ParetoNbdParams::p_alive`]'s bit for bit.
    #[test]
    fn pareto_bulk_alive_with_far_apart_rates() {
        let rows = pareto_histories(300);
        for (r, alpha, s, beta) in [
            (0.5, 1e-3, 0.5, 100.0),
            (2.0, 1e-4, 1.5, 30.0),
            (0.3, 200.0, 0.8, 1e-3),
        ] {
            let p = ParetoNbdParams::new(r, alpha, s, beta).unwrap();
            let alive = ParetoNbdBulk::new(p).p_alive(&rows).unwrap();
            for (i, h) in rows.iter().enumerate() {
                assert_eq!(alive[i].to_bits(), p.p_alive(h).unwrap().to_bits(), "{h:?}");
            }
        }
    }

    #[test]
    fn pareto_bulk_edges() {
        let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
        let bulk = ParetoNbdBulk::new(p);
        assert!(bulk.p_alive(&[]).unwrap().is_empty());
        let rows = pareto_histories(20);
        assert!(bulk.expected_purchases(&rows, -1.0).is_err());
        assert!(bulk.expected_purchases(&rows, f64::NAN).is_err());
        assert!(
            bulk.conditional_prob_purchases(&rows, f64::INFINITY, 1)
                .is_err()
        );
        // t = 0: nothing happens in the window.
        let zero = bulk.conditional_prob_purchases(&rows, 0.0, 0).unwrap();
        assert!(zero.iter().all(|&v| v == 1.0));
        let zero = bulk.conditional_prob_purchases(&rows, 0.0, 2).unwrap();
        assert!(zero.iter().all(|&v| v == 0.0));
        // The pmf over n sums to 1 (the new customer's mass beyond n = 60
        // is negligible at this horizon for light buyers).
        let light: Vec<_> = rows.iter().filter(|h| h.x() < 5).copied().collect();
        let mut sum = vec![0.0; light.len()];
        for n in 0..60 {
            let v = bulk.conditional_prob_purchases(&light, 13.0, n).unwrap();
            for (s, v) in sum.iter_mut().zip(v) {
                *s += v;
            }
        }
        assert!(sum.iter().all(|s| (s - 1.0).abs() < 1e-9), "{sum:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any parameters, horizon and count: the recurrence is the
        /// series (or the same death-time integral).
        #[test]
        fn pareto_recurrence_matches_series(
            r in 0.05f64..40.0, alpha in 0.1f64..200.0, s in 0.05f64..6.0, beta in 0.1f64..200.0,
            t in 0.01f64..500.0, n in 0u32..50,
        ) {
            let p = ParetoNbdParams::new(r, alpha, s, beta).unwrap();
            let exact = p.prob_purchases(t, n).unwrap();
            let fast = p.prob_purchases_recurrence(t, n).unwrap();
            prop_assert!(
                (fast - exact).abs() <= 1e-12 * exact + 1e-300,
                "{} vs {}", fast, exact
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any parameters and horizons: the curve is the series.
        #[test]
        fn curve_matches_series(
            r in 0.05f64..8.0, alpha in 0.1f64..50.0, a in 0.1f64..6.0, b in 0.1f64..20.0,
            ts in proptest::collection::vec(0.0f64..400.0, 1..40),
        ) {
            let p = BgNbdParams::new(r, alpha, a, b).unwrap();
            let curve = NewCustomerCurve::bg(&p, &ts);
            for &t in &ts {
                let exact = p.expected_purchases_new(t).unwrap();
                let fast = curve.expected_purchases(t).unwrap();
                prop_assert!(rel(fast, exact) < 1e-10, "t={} {} vs {}", t, fast, exact);
            }
            let m = MbgNbdParams::new(r, alpha, a, b).unwrap();
            let curve = NewCustomerCurve::mbg(&m, &ts);
            for &t in &ts {
                let exact = m.expected_purchases_new(t).unwrap();
                let fast = curve.expected_purchases(t).unwrap();
                prop_assert!(rel(fast, exact) < 1e-10, "t={} {} vs {}", t, fast, exact);
            }
        }
    }
}
