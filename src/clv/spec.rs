//! Specification: the lifetime-value and customer-equity formulas of
//! [`clv`](crate::clv), with their sources and conventions.
//!
//! This page is documentation only. It states, in one place, every formula
//! the module's items implement or refer to: what is computed, when each
//! cash flow falls, which inputs are refused, and where the formula comes
//! from. The items' own docs link to the sections here.
//!
//! How sure each statement is:
//!
//! - \[V\] checked against a retrieved source (the paper, official
//!   documentation or a reference implementation);
//! - \[D\] derived from a verified formula by algebra or series summation,
//!   then checked numerically;
//! - \[R\] recalled from the cited literature, whose text could not be
//!   retrieved: likely, but unconfirmed;
//! - \[L\] this crate's own convention, where no canonical source exists.
//!
//! # Conventions
//!
//! ## Rates and periods
//!
//! Retention `r`, discount `i` (or `d`) and margin growth `g` are rates
//! **per period**, and every rate passed to one computation must use the
//! same period length. The crate never converts a rate from one period to
//! another behind the caller's back \[L\].
//!
//! A discount rate for a long period converts exactly to a shorter one by
//! compounding: for `k` sub-periods,
//!
//! ```text
//! i_sub = (1 + i)^(1/k) − 1          10 % a year -> 0.0079741 a month (k = 12)
//! ```
//!
//! This is [`DiscountRate::per_subperiod`](crate::clv::DiscountRate::per_subperiod).
//! Retention has no such conversion: `r^(1/12)` for a month assumes that
//! the hazard of leaving is constant within the year, which is a modelling
//! choice, not an identity, so the crate does not offer it \[L\].
//!
//! ## Validation and numbers
//!
//! Invalid input is an [`Error`](crate::Error), never NaN or an infinity
//! \[L\]. Closed forms are required to agree with a brute-force summation
//! of the cash flows to a relative error of 1e-12. This module computes in
//! [`Decimal`](crate::Decimal) (28 significant digits), which meets that
//! bound with room to spare; overflow of `Decimal` is
//! [`Error::Overflow`](crate::Error::Overflow).
//!
//! # Lifetime value
//!
//! ## Definition
//!
//! The lifetime value of a customer is the present value of the margins
//! the customer is expected to bring, allowing for the chance that the
//! customer leaves. Gupta & Lehmann (2003, eq. 2) \[V\] write it with a
//! margin `m_t` and a retention rate `r_j` for each period:
//!
//! ```text
//! CLV = Σ_{t=1}^{n} m_t · (r_1 · r_2 · … · r_t) / (1+i)^t
//! ```
//!
//! The product of the retention rates is the probability that the customer
//! is still a customer at the **end** of period `t`. Gupta & Lehmann then
//! take the margin and the retention as constant and the horizon as
//! infinite \[V\]. Their `m` is the average margin per customer and period:
//! revenue less operating cost, divided by the number of customers \[V\].
//!
//! ## Timing conventions
//!
//! Published CLV figures differ mostly because authors place the cash flows
//! differently. The crate names the choice with [`Timing`](crate::clv::Timing)
//! and has no default. With `q = r/(1+i)`, a constant margin `m` and `T`
//! margins counted:
//!
//! | Timing | When a margin is paid, and on what condition | `T` margins | Infinite horizon | Source |
//! |---|---|---|---|---|
//! | `EndOfPeriod` | at the end of period `t = 1..T`, if the customer was retained through `t` | `m·Σ_{t=1}^{T} q^t = m·q(1−q^T)/(1−q)` | `m·r/(1+i−r)` | Gupta & Lehmann 2003, 2005 \[V\] |
//! | `StartOfPeriod` | at the start of period `t = 0..T−1`; the current margin (`t = 0`) is counted and undiscounted | `m·Σ_{t=0}^{T−1} q^t = m(1−q^T)/(1−q)` | `m·(1+i)/(1+i−r)` | inner sum of Gupta, Lehmann & Stuart 2004; contribution term of Berger & Nasr case 1 \[R\] |
//! | `EndPaidIfAliveAtStart` | at the end of period `t = 1..T`, if the customer was a customer at the start of `t` | `m·Σ_{t=1}^{T} r^(t−1)/(1+i)^t` | `m/(1+i−r)` | common in textbooks \[D\] |
//!
//! The ratio `r/(1+i−r)` is Gupta & Lehmann's *margin multiple*: the
//! infinite-horizon CLV per unit of margin under `EndOfPeriod`.
//!
//! Identities \[D\]: on the infinite horizon,
//! `m(1+i)/(1+i−r) = m + m·r/(1+i−r)`, that is, `StartOfPeriod` is the
//! current margin plus `EndOfPeriod`. Without discounting, the expected
//! number of future margins under `EndOfPeriod` is `r/(1−r)`.
//!
//! When `q = 1` (only `r = 1` with `i = 0`) the finite sum is `m·T`; the
//! crate never divides by `1 − q` \[L\]. When `r = 0`, `EndOfPeriod` gives
//! 0 and `StartOfPeriod` gives `m`.
//!
//! ## Margin growth
//!
//! With margins growing by `g` a period, `G = 1 + g`, the infinite-horizon
//! `EndOfPeriod` value depends on whether the first margin counted is
//! already grown. The crate makes the caller say which, with
//! [`GrowthIndexing`](crate::clv::GrowthIndexing) \[L\]:
//!
//! ```text
//! EndOfPeriod,   m_t = m·G^(t−1), t ≥ 1:   CLV = m·r / (1 + i − r·G)
//! EndOfPeriod,   m_t = m·G^t,     t ≥ 1:   CLV = m·r·G / (1 + i − r·G)
//! StartOfPeriod, m_t = m·G^t,     t ≥ 0:   CLV = m·(1 + i) / (1 + i − r·G)
//! ```
//!
//! Each follows from the geometric series with ratio `r·G/(1+i)` \[D\].
//! Gupta & Lehmann (2005) give the first form \[R\]; which indexing their
//! book prints has not been checked. Every infinite-horizon form needs
//! `r·G < 1 + i`; finite horizons are valid for any growth.
//!
//! ## Net CLV
//!
//! The lifetime value of a prospect, net of acquisition, subtracts the
//! acquisition cost `AC` per acquired customer, paid once at `t = 0` and
//! not discounted \[V: Gupta & Lehmann\]:
//!
//! ```text
//! net CLV = CLV − AC
//! ```
//!
//! A customer already acquired has `AC = 0`.
//!
//! ## Domains
//!
//! | Input | Accepted | Refused, and why |
//! |---|---|---|
//! | `r` | `0 ≤ r ≤ 1` | outside: not a probability |
//! | `i`, `d` | `i > −1` | `i ≤ −1`: the discount factor `1/(1+i)` is undefined or negative |
//! | infinite horizon | `1 + i − r > 0` (with growth, `1 + i − r(1+g) > 0`) | otherwise the series diverges, e.g. `r = 1, i = 0` |
//! | `g` | `g > −1` | `g ≤ −1` |
//! | `T`, `n` | whole numbers `≥ 0` | negative |
//! | margins and costs | any finite number; negative margins are allowed | not finite |
//!
//! # Customer equity
//!
//! ## Current base
//!
//! The equity of the customers a firm has now is the sum of their lifetime
//! values, `CE = Σ_c CLV_c`; for `N` identical customers `CE = N·CLV`
//! \[V: Gupta & Lehmann 2003\].
//!
//! ## Cohort equity
//!
//! Gupta, Lehmann & Stuart (2004) \[R\] value the current and future
//! acquisition cohorts: `n_k` customers acquired in period `k` at a cost of
//! `c_k` each,
//!
//! ```text
//! Value = Σ_{k=0}^{K} n_k/(1+i)^k · Σ_{t=k}^{∞} m_{t−k}·r^(t−k)/(1+i)^(t−k)  −  Σ_{k=0}^{K} n_k·c_k/(1+i)^k
//! ```
//!
//! Cohort `k` is acquired at the start of period `k`, and its acquisition
//! cost is paid then. With a constant margin the inner sum is the
//! `StartOfPeriod` infinite-horizon value `m(1+i)/(1+i−r)`. The paper
//! also gives a continuous-time version whose inner integral equals
//! `m·r/(1+i−r)` \[R\]. Not yet checked against the paper: the equation
//! numbers, and whether the exponent is `r^(t−k)` or `r^(t−k+1)` (the
//! latter is `EndOfPeriod`).
//!
//! ## Customer equity test
//!
//! Blattberg & Deighton (1996) \[R\] value a prospect who is acquired with
//! probability `a` for an acquisition spend `A`, then earns the margin `m`
//! at once; in each later period a customer still active costs a retention
//! spend `R` and stays with probability `r`, and the stream is discounted
//! at `d`:
//!
//! ```text
//! CE = a·m − A + a·(m − R/r) · r'/(1 − r'),     r' = r/(1+d)
//! ```
//!
//! For `r > 0` this equals `a·m − A + a·(m·r − R)/(1 + d − r)`, which is
//! also its limit at `r = 0`. It needs `1 + d − r > 0`.
//!
//! # Berger and Nasr
//!
//! Berger & Nasr (1998), "Customer lifetime value: marketing models and
//! applications", give five finite-horizon models: four retention cases and
//! one migration case \[V: Pfeifer & Carraway 2000\].
//!
//! ## Berger and Nasr case 1
//!
//! Yearly purchases, constant retention `r`, a gross contribution `GC` per
//! year and a promotion cost `M` per customer and year, spent in the middle
//! of the year \[R\]:
//!
//! ```text
//! CLV = GC · Σ_{k=0}^{n} r^k/(1+d)^k  −  M · Σ_{k=1}^{n} r^(k−1)/(1+d)^(k−0.5)
//! ```
//!
//! The contribution term counts the current year undiscounted
//! (`StartOfPeriod`, `n + 1` contributions); each promotion is spent on
//! the customers alive at the start of its year. The crate ships this case
//! only behind the `berger_nasr` feature until it is checked against the
//! paper. Cases 2 to 4 (other purchase cycles, an S-shaped contribution
//! curve, retention depending on promotion spend as
//! `r = r_c(1 − e^(−K·M))`) are described in the literature but not
//! specified well enough to implement.
//!
//! ## Markov chain migration
//!
//! Berger & Nasr's case 5, migration between recency classes, is handled
//! through its generalisation by Pfeifer & Carraway (2000) \[V: citation;
//! R: formula\]. With the state transition matrix `P`, the reward vector
//! `R` (one reward per state and period) and the discount rate `d`:
//!
//! ```text
//! V_T = Σ_{t=0}^{T} ((1+d)^(−1)·P)^t · R        (T + 1 rewards; the current one undiscounted)
//! V_∞ = (I − (1+d)^(−1)·P)^(−1) · R            (needs d > 0 for a stochastic P)
//! ```
//!
//! `V[s]` is the expected present value of a customer now in state `s`.
//!
//! # Worked example
//!
//! `m = 100`, `r = 0.8`, `i = 0.10`, `g = 0.05`, `AC = 150`, `N = 1000`
//! (computed independently, used as test oracles):
//!
//! | Quantity | Value |
//! |---|---|
//! | `EndOfPeriod`, infinite: 100·0.8/0.3 | 266.6667 (margin multiple 2.6667) |
//! | `StartOfPeriod`, infinite: 100·1.1/0.3 | 366.6667 |
//! | `EndPaidIfAliveAtStart`, infinite: 100/0.3 | 333.3333 |
//! | `EndOfPeriod`, `T = 5` | 212.4097 |
//! | `StartOfPeriod`, `T = 5` | 292.0634 |
//! | growth, `EndOfPeriod`, `m_t = m·G^(t−1)`: 100·0.8/(1.1 − 0.84) | 307.6923 |
//! | growth, `StartOfPeriod`: 100·1.1/0.26 | 423.0769 |
//! | net CLV (`EndOfPeriod`): 266.6667 − 150 | 116.6667 |
//! | `CE = 1000 × 266.6667` | 266 666.67 |
//! | cohorts `n_k = 100` for `k = 0, 1, 2`, `c = 150`, `StartOfPeriod` | 59 269.9725 |
//! | Berger & Nasr case 1: `GC = 100`, `M = 10`, `r = 0.8`, `d = 0.10`, `n = 5` | 312.4097 − 27.8472 = 284.5626 |
//! | Blattberg & Deighton: `a = 0.2`, `A = 10`, `m = 100`, `R = 5`, `r = 0.8`, `d = 0.10` | 60.0000 |
//! | Markov: states recency 1, 2, 3 and lost; `P` rows (.3, .7, 0, 0), (.2, 0, .8, 0), (.1, 0, 0, .9), (0, 0, 0, 1); `R = (40, −4, −4, 0)`; `d = 0.2` | `V_∞ = (58.2090, 6.2687, 0.8507, 0)` |
//!
//! ## Margin multiple grid
//!
//! Gupta & Lehmann tabulate `r/(1+i−r)`; recomputed:
//!
//! | r \ i | 0.10 | 0.12 | 0.14 | 0.16 |
//! |---|---|---|---|---|
//! | 0.6 | 1.20 | 1.15 | 1.11 | 1.07 |
//! | 0.7 | 1.75 | 1.67 | 1.59 | 1.52 |
//! | 0.8 | 2.67 | 2.50 | 2.35 | 2.22 |
//! | 0.9 | 4.50 | 4.09 | 3.75 | 3.46 |
//!
//! # Sources
//!
//! - Gupta, S. & Lehmann, D.R. (2003) Customers as assets. *J. Interactive
//!   Marketing* 17(1):9–24.
//! - Gupta, S. & Lehmann, D.R. (2005) *Managing Customers as Investments*.
//!   Wharton School Publishing.
//! - Gupta, S., Lehmann, D.R. & Stuart, J.A. (2004) Valuing customers.
//!   *J. Marketing Research* 41(1):7–18.
//! - Berger, P.D. & Nasr, N.I. (1998) Customer lifetime value: marketing
//!   models and applications. *J. Interactive Marketing* 12(1):17–30.
//! - Blattberg, R.C. & Deighton, J. (1996) Manage marketing by the customer
//!   equity test. *Harvard Business Review* 74(4):136–144.
//! - Pfeifer, P.E. & Carraway, R.L. (2000) Modeling customer relationships
//!   as Markov chains. *J. Interactive Marketing* 14(2):43–55.
