//! Specification: loyalty economics in [`economics`](crate::economics),
//! with sources and conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived here and checked numerically; \[R\] recalled from the
//! cited literature, whose text could not be retrieved; \[L\] this crate's
//! own convention, where no canonical source exists.
//!
//! # Profit by tenure
//!
//! Reichheld & Sasser (1990) \[R\] show, for several service businesses,
//! the yearly profit a customer brings as a function of how long the
//! customer has stayed, stacked by source: a one-off acquisition cost
//! (year 0), then a base profit every year, and profit from increased
//! purchases, lower operating cost, referrals and a price premium that
//! grow with tenure. Their credit-card exhibit, as recalled, has an
//! acquisition cost of \$51 and yearly profits of \$30, \$42, \$44, \$49
//! and \$55 for years one to five \[R\].
//!
//! The crate represents one customer's curve as the acquisition cost
//! `A >= 0`, paid at time 0, and for each period of tenure `t = 1..L` the
//! five components, each any amount of money per customer (negative
//! amounts allowed, so a discount can stand for a negative premium); the
//! period's profit `π_t` is their sum \[L: the split is the source's, the
//! representation ours\]. Refused: a negative acquisition cost, and a
//! curve without periods.
//!
//! ## Cumulative curve and breakeven
//!
//! For a customer who stays, undiscounted \[D\]:
//!
//! ```text
//! C_0 = −A,    C_t = C_{t−1} + π_t     (t = 1..L)
//! ```
//!
//! The breakeven period is the first `t >= 1` with `C_t >= 0`, if any
//! within the curve \[L: "at least 0", so an exact payback counts\].
//!
//! # Retention and expected lifetime
//!
//! Geometric retention: a customer acquired at time 0 is a customer in
//! period 1 for sure and stays from one period to the next with
//! probability `r`, independently of tenure, so the probability of being a
//! customer in period `t` is `r^(t−1)` \[D\]. The expected number of periods
//! as a customer, counting the first, is \[D\]:
//!
//! ```text
//! E[L] = Σ_{t=1}^{T} r^(t−1) = (1 − r^T)/(1 − r)   ->   1/(1 − r)    (T -> ∞, r < 1)
//! ```
//!
//! so a defection rate `1 − r` of 10 % a year means a ten-year average
//! lifetime and 5 % means twenty, Reichheld & Sasser's arithmetic \[R\].
//! Inversely `r = 1 − 1/E[L]` for `E[L] >= 1`. Refused: `r = 1` with an
//! infinite horizon (the lifetime is infinite; a comparison reports it as
//! absent).
//!
//! # Value of an acquired customer
//!
//! With the discount rate `d > −1` per period and `v = 1/(1+d)` \[D, the
//! `EndPaidIfAliveAtStart` timing of [`clv`](crate::clv)\]:
//!
//! ```text
//! NPV(r) = −A + Σ_{t=1}^{T} π_t · r^(t−1) · v^t
//! ```
//!
//! Timing: `A` is paid at time 0, undiscounted; the profit of period `t`
//! is received at its end if the customer was a customer at its start.
//! `T` is the horizon: a number of periods, or every period.
//!
//! ## Beyond the curve
//!
//! A curve gives `L` periods; what follows is the caller's choice, with no
//! default \[L\]: `Zero` (`π_t = 0` for `t > L`) or `RepeatLast`
//! (`π_t = π_L`, the curve has flattened). With `RepeatLast` and `q = r·v`
//! the periods after `L` add \[D\]
//!
//! ```text
//! π_L · r^L · v^(L+1) · Σ_{j=0}^{T−L−1} q^j        ->   π_L · r^L · v^(L+1) / (1 − q)   (T -> ∞)
//! ```
//!
//! and an infinite horizon is refused when `q >= 1` and `π_L ≠ 0`: the
//! value diverges.
//!
//! ## Steady-state profit
//!
//! A firm that wins one customer at the start of every period and loses
//! them geometrically holds, in its steady state, `r^(t−1)` customers of
//! tenure `t` for each customer it wins a period, so its profit per
//! period, per customer won, is \[D\]
//!
//! ```text
//! steady(r) = −A + Σ_{t=1}^{T} π_t · r^(t−1)        (= NPV(r) with d = 0)
//! ```
//!
//! with the same horizon and tail rule (the horizon is then the longest
//! tenure counted).
//!
//! # Effect of a retention change
//!
//! Reichheld & Sasser's claim, "reducing defections by 5 % raises profits
//! by 25 % to 85 %" \[R; 95 % in later quotations\], compares the same
//! business at two defection rates five points apart. The crate makes it
//! checkable for the caller's curve: for retention `r_0` and `r_1`
//! (`r_1 = r_0 + 0.05` for the claim) it reports the expected lifetimes,
//! `NPV(r_0)`, `NPV(r_1)`, `steady(r_0)`, `steady(r_1)`, the NPV change
//! `NPV(r_1) − NPV(r_0)` and the ratios `new/base − 1` \[D\]. A ratio is
//! reported only when its base is positive: the relative change of a loss
//! or of zero is meaningless \[L\]. The claim's percentage is the steady
//! state ratio, which is how a firm's yearly profit would move; the NPV
//! ratio answers the same question for one newly acquired customer.
//!
//! # Worked example
//!
//! Computed by hand (and with exact fractions). `A = 100`; period 1:
//! base 40; period 2: base 40, increased purchases 10, cost savings 5,
//! referrals 5 (`π_2 = 60`); period 3: base 40, increased purchases 20,
//! cost savings 10, referrals 5, price premium 5 (`π_3 = 80`); then
//! `RepeatLast`, infinite horizon.
//!
//! - Cumulative: `−100, −60, 0, 80`; breakeven in period 2. Component
//!   totals: base 120, increased purchases 30, cost savings 15,
//!   referrals 10, price premium 5.
//! - `r = 0.5`, `d = 0`: `−100 + 40 + 60·0.5 + 80·0.25 + 80·0.125/0.5 =
//!   10`; lifetime 2 periods.
//! - `r = 0.6`, `d = 0`: `−100 + 40 + 36 + 28.8 + 80·0.216/0.4 = 48`;
//!   lifetime 2.5. Ten points more retention: steady-state profit
//!   `+380 %`.
//! - `d = 0.1`: `NPV(0.5) = −4100/363 = −11.2948`,
//!   `NPV(0.6) = 1660/121 = 13.7190`.
//!
//! # Citations
//!
//! - Reichheld, F.F. & Sasser, W.E. Jr. (1990) Zero defections: quality
//!   comes to services. *Harvard Business Review* 68(5):105–111.
//! - Reichheld, F.F. (1996) *The Loyalty Effect*. Harvard Business School
//!   Press.
