//! Quickstart: simulate two years of a retail customer base, summarise the
//! first eighteen months in weeks, and print what the summary says.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! Each section of the report is one function taking the summary, and each
//! table's heading is followed by one line saying what it shows.
//! Percentages are printed as `12.3%` (one decimal, no space), as the
//! command line prints them.

use std::time::{Duration, Instant};

use customer_value::btyd::{
    BgNbd, BgNbdPredictor, BtydClv, BtydCustomer, CustomerHistory, GammaGamma, SpendHistory,
};
use customer_value::clv::{DiscountRate, Horizon, MarginInput, MarginRate, RetentionModel, Timing};
use customer_value::differentiate::{
    Abc, Boundary, CustomerValue, Pyramid, Tier, TierReport, pareto_share,
};
use customer_value::lifecycle::{
    ChurnInput, EarlyWarning, HistoryOptions, PAliveRule, PeriodHistories, RecencyRule, RiskLevel,
    StageRule, WindowTrend,
};
use customer_value::loyalty::{
    Ahp, Indicator, IndicatorValuesBuilder, LoyaltyModel, MissingPolicy, Weights, purchase_counts,
};
use customer_value::rfm::{Monetary, Rfm, RfmValues, SegmentReport, SegmentRules};
use customer_value::simulate::Simulation;
use customer_value::{
    Date, Decimal, Fit, LifecycleStage, Scorer, Summarizer, Summary, TimeUnit, Transaction,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (simulation, log) = simulate()?;
    let calibration_end = Date::parse("2024-06-30")?;
    let (summary, elapsed) = summarize(&log, calibration_end)?;

    overview(&simulation, &log, &summary, elapsed);
    frequency(&summary);
    recency(&summary);
    spend(&summary);
    top_customers(&summary, 10);
    rfm_segments(&summary)?;
    differentiation(&summary)?;
    let equity = lifetime_value(&log, calibration_end)?;
    lifecycle(&log, &summary)?;
    loyalty(&log, &summary)?;
    probabilistic(&summary, &equity)?;
    loyalty_ladder(&summary);
    loyalty_economics()?;
    record_merge(&log, calibration_end)?;
    equity_drivers()?;
    capability_scorecard()?;
    Ok(())
}

/// Customer-equity drivers (Rust, Lemon & Zeithaml 2004), on an
/// illustrative two-brand market: one customer of brand A rates A's
/// quality 2 and B's 1; a multinomial logit turns the ratings into
/// switching probabilities, the Markov chain into a CLV per brand. What
/// is one more quality point for A worth, for a spend of 1?
fn equity_drivers() -> customer_value::Result<()> {
    use customer_value::clv::DiscountRate;
    use customer_value::drivers::{
        Brand, Driver, EquityKind, EquityModel, Population, Respondent, SwitchingModel,
    };
    let switching = SwitchingModel::new(
        vec![Driver::new("quality", EquityKind::Value)],
        vec![1.0],
        1.0,
    )?;
    let model = EquityModel::new(
        switching,
        vec![
            Brand::new("A", Decimal::new(10, 0)),
            Brand::new("B", Decimal::new(8, 0)),
        ],
        DiscountRate::new(Decimal::ZERO)?,
        2,
        Population::Census,
    )?;
    let customer = Respondent::new(
        customer_value::CustomerId::new(1),
        0,
        vec![2.0, 1.0],
        1.0,
        1.0,
    )?;
    let report = model.equity(std::slice::from_ref(&customer))?;
    let what_if = model.what_if(&[customer], 0, 0, 1.0, Decimal::ONE)?;
    println!(
        "\nCustomer-equity drivers (Rust, Lemon & Zeithaml), an illustrative two-brand market:"
    );
    println!(
        "  brand A's customer equity    {:>8}",
        report.equity[0].round_dp(4)
    );
    println!(
        "  after +1 quality point       {:>8}",
        what_if.after.round_dp(4)
    );
    println!(
        "  return on a spend of 1       {:>8}",
        what_if.roi.round_dp(4)
    );
    Ok(())
}

/// The CRM capability scorecard on two illustrative business units that
/// differ in three indicators: the composite and its three groups
/// (customer insight, creation, relationship), equal weights, min-max
/// normalisation with ties scored 0.5.
fn capability_scorecard() -> customer_value::Result<()> {
    use customer_value::capability::{
        CapabilityModel, CapabilityWeights, Measurements, Normalisation, Scorecard, Weighting,
    };
    let card = Scorecard::standard();
    let mut north = vec![1.0; card.len()];
    let south = vec![1.0; card.len()];
    for (indicator, value) in [
        ("analysis_accuracy", 2.0),
        ("lead_time", 0.5),
        ("churn_speed", 0.5),
    ] {
        if let Some(k) = card.position(indicator) {
            north[k] = value;
        }
    }
    let model = CapabilityModel::new(
        card.clone(),
        Normalisation::MinMax { fill: Some(0.5) },
        Weighting::Given(CapabilityWeights::equal(&card)),
    );
    let report = model.score(&[
        Measurements::new("north", north),
        Measurements::new("south", south),
    ])?;
    println!("\nCRM capability scorecard (0-100), two illustrative units:");
    println!("  unit     composite  insight  creation  relationship");
    for unit in &report.units {
        println!(
            "  {:<8} {:>9.1}  {:>7.1}  {:>8.1}  {:>12.1}",
            unit.unit, unit.composite, unit.groups[0], unit.groups[1], unit.groups[2]
        );
    }
    Ok(())
}

/// Identify: the same person under two customer ids. Contact records are
/// made up here (the simulation has none): every 200th customer also has a
/// second id with the same phone number. Duplicate candidates by
/// normalised phone, then a merge plan that moves the second id's
/// transactions to the first and summarises again, losing none.
fn record_merge(log: &[Transaction], calibration_end: Date) -> customer_value::Result<()> {
    use customer_value::identify::{CustomerRecord, MatchFields, MergePlan, duplicate_candidates};
    let mut ids: Vec<customer_value::CustomerId> = log.iter().map(|t| t.customer()).collect();
    ids.sort_unstable();
    ids.dedup();
    let records: Vec<CustomerRecord> = ids
        .iter()
        .enumerate()
        .map(|(k, &id)| {
            // Pairs (k, k + 1) with k a multiple of 200 share a phone.
            let owner = if k % 200 == 1 { k - 1 } else { k };
            CustomerRecord::new(
                id,
                vec![
                    Some(format!("c{k}@example.org")),
                    Some(format!("+44 20 7946 {owner:04}")),
                ],
            )
        })
        .collect();
    let fields = MatchFields {
        email: Some(0),
        phone: Some(1),
        ..MatchFields::default()
    };
    let pairs = duplicate_candidates(&records, &fields)?;
    let summarizer = Summarizer::builder(calibration_end)
        .unit(TimeUnit::WEEK)
        .build()?;
    let before = summarizer.summarize(log)?;
    let after = MergePlan::new(&pairs).summarize(&summarizer, log)?;
    let spend = |s: &Summary| {
        s.customers()
            .iter()
            .map(|c| c.total_spend())
            .sum::<Decimal>()
    };
    let transactions = |s: &Summary| {
        s.customers()
            .iter()
            .map(|c| u64::from(c.transactions()))
            .sum::<u64>()
    };
    println!(
        "\nIdentify: duplicate customer ids found by phone and merged (made-up contact records):"
    );
    println!(
        "  duplicate candidates  {:>7}",
        thousands(pairs.len() as u64)
    );
    println!(
        "  customers             {:>7} -> {}",
        thousands(before.customers().len() as u64),
        thousands(after.customers().len() as u64)
    );
    println!(
        "  transactions          {:>7} -> {} (none lost)",
        thousands(transactions(&before)),
        thousands(transactions(&after))
    );
    println!(
        "  total spend      {:>12} -> {}",
        money(spend(&before)),
        money(spend(&after))
    );
    Ok(())
}

/// The loyalty ladder from what a summary knows: purchases and categories.
/// Referrals, declined offers and tolerated failures come from other
/// sources (surveys, a CRM), so from a summary alone no customer climbs
/// past "customer"; the table shows how far the transaction data reach.
fn loyalty_ladder(summary: &Summary) {
    use customer_value::ladder::{Behaviour, LadderRules, Rung};
    println!("\nLoyalty ladder (default rules, from purchases alone):");
    println!("  rung from repeat purchases; higher rungs need referrals or resilience data");
    let rules = LadderRules::default();
    let mut counts = [0usize; 6];
    for row in summary.customers() {
        let rung = rules.rung(&Behaviour::from_summary(row));
        counts[Rung::ALL.iter().position(|r| *r == rung).unwrap_or(0)] += 1;
    }
    let total = summary.customers().len();
    for (rung, n) in Rung::ALL.iter().zip(counts) {
        println!(
            "  {:<10} {:>7}  {:>5.1}%",
            rung.to_string(),
            thousands(n as u64),
            share(n as u64, total)
        );
    }
}

/// Reichheld & Sasser's argument made checkable: for a profit curve by
/// tenure (here an illustrative one: acquisition 100, then base profit 40 a
/// year growing with purchases, cost savings, referrals and a price
/// premium), what is a customer worth at 50 % and at 60 % retention, and
/// how much does a firm winning one customer a year gain in steady state?
fn loyalty_economics() -> customer_value::Result<()> {
    use customer_value::clv::{DiscountRate, Horizon, RetentionRate};
    use customer_value::economics::{
        ProfitCurve, RetentionEconomics, Tail, TenureProfit, expected_lifetime,
    };
    let d = |v: i64| Decimal::new(v, 0);
    let curve = ProfitCurve::new(
        d(100),
        vec![
            TenureProfit::new(d(40)),
            TenureProfit::new(d(40))
                .with_increased_purchases(d(10))
                .with_cost_savings(d(5))
                .with_referrals(d(5)),
            TenureProfit::new(d(40))
                .with_increased_purchases(d(20))
                .with_cost_savings(d(10))
                .with_referrals(d(5))
                .with_price_premium(d(5)),
        ],
    )?;
    println!("\nLoyalty economics (Reichheld & Sasser), an illustrative yearly profit curve:");
    println!("  cumulative profit of a customer who stays, after acquisition (year 0):");
    for (year, value) in curve.cumulative()?.iter().enumerate() {
        println!("  year {year}  {:>10}", money(*value));
    }
    let economics = RetentionEconomics::new(
        curve,
        DiscountRate::new(Decimal::new(1, 1))?,
        Horizon::Infinite,
        Tail::RepeatLast,
    );
    let (r0, r1) = (
        RetentionRate::new(Decimal::new(5, 1))?,
        RetentionRate::new(Decimal::new(6, 1))?,
    );
    let effect = economics.compare(r0, r1)?;
    println!(
        "  retention 50% -> 60% (expected lifetime {} -> {} years, at 10% a year):",
        expected_lifetime(r0, Horizon::Infinite)?.round_dp(2),
        expected_lifetime(r1, Horizon::Infinite)?.round_dp(2)
    );
    println!(
        "  NPV of an acquired customer {} -> {}",
        money(effect.base_npv()),
        money(effect.new_npv())
    );
    match effect.steady_state_change_ratio() {
        Some(ratio) => println!(
            "  steady-state profit x{} (one customer won a year)",
            ratio.round_dp(2)
        ),
        None => println!("  steady-state profit: the base is a loss, so no ratio"),
    }
    Ok(())
}

/// 10,000 customers acquired in the first half of 2023 and followed to the
/// end of 2024, with the simulator's CDNOW-like weekly parameters.
fn simulate() -> customer_value::Result<(Simulation, Vec<Transaction>)> {
    let simulation = Simulation::builder()
        .customers(10_000)
        .seed(2024)
        .start(Date::parse("2023-01-01")?)
        .acquisition_days(181)
        .end(Date::parse("2024-12-31")?)
        .build()?;
    let log = simulation.transactions();
    Ok((simulation, log))
}

/// The summary in weeks up to `calibration_end`, and how long it took.
fn summarize(
    log: &[Transaction],
    calibration_end: Date,
) -> customer_value::Result<(Summary, Duration)> {
    let summarizer = Summarizer::builder(calibration_end)
        .unit(TimeUnit::WEEK)
        .build()?;
    let started = Instant::now();
    let summary = summarizer.summarize(log)?;
    Ok((summary, started.elapsed()))
}

fn overview(simulation: &Simulation, log: &[Transaction], summary: &Summary, elapsed: Duration) {
    let end = summary.summarizer().calibration_end();
    let occasions: u64 = summary
        .customers()
        .iter()
        .map(|c| u64::from(c.purchases()))
        .sum();
    println!(
        "Simulated {} customers from {} to {} (seed {}); summary up to {end} in weeks",
        thousands(u64::from(simulation.customers())),
        simulation.start(),
        simulation.end(),
        simulation.seed(),
    );
    println!("  (how much data the report rests on)");
    println!();
    println!(
        "  customers            {:>9}",
        thousands(summary.len() as u64)
    );
    println!("  transactions         {:>9}", thousands(log.len() as u64));
    println!(
        "    up to {end}   {:>9}  ({} purchase days)",
        thousands(log.len() as u64 - summary.excluded().transactions()),
        thousands(occasions),
    );
    println!(
        "    after it (excluded){:>9}",
        thousands(summary.excluded().transactions())
    );
    println!(
        "  summary took         {:>9.1} ms",
        elapsed.as_secs_f64() * 1e3
    );
}

/// Customers by repeat purchases `x`, 0 to 6 and 7 or more.
fn frequency(summary: &Summary) {
    let mut counts = [0_u64; 8];
    for c in summary.customers() {
        counts[(c.frequency() as usize).min(7)] += 1;
    }
    println!();
    println!("Repeat purchases (x)     customers   share");
    println!("  (customers by purchases after the first, up to the summary's end)");
    for (x, &n) in counts.iter().enumerate() {
        let label = if x == 7 {
            "7+".to_string()
        } else {
            x.to_string()
        };
        let share = share(n, summary.len());
        let bar = "#".repeat((share / 2.0).round() as usize);
        println!(
            "  {label:>2}                    {:>9}  {share:>5.1}%  {bar}",
            thousands(n)
        );
    }
}

/// Weeks since the last purchase: quartiles and a few buckets.
fn recency(summary: &Summary) {
    let mut weeks: Vec<f64> = summary
        .customers()
        .iter()
        .map(|c| c.periods_since_last())
        .collect();
    if weeks.is_empty() {
        return;
    }
    weeks.sort_by(f64::total_cmp);
    let quantile = |q: f64| weeks[((weeks.len() - 1) as f64 * q).round() as usize];
    println!();
    println!("Recency (weeks since the last purchase)");
    println!("  (how long ago each customer last bought: quartiles, then customers per bucket)");
    println!(
        "  min {:.1}, 25% {:.1}, median {:.1}, 75% {:.1}, max {:.1}",
        quantile(0.0),
        quantile(0.25),
        quantile(0.5),
        quantile(0.75),
        quantile(1.0),
    );
    let buckets = [
        (0.0, 4.0),
        (4.0, 13.0),
        (13.0, 26.0),
        (26.0, 52.0),
        (52.0, f64::INFINITY),
    ];
    for (low, high) in buckets {
        let n = weeks.iter().filter(|&&w| w >= low && w < high).count() as u64;
        let label = if high.is_finite() {
            format!("{low:>2}-{high} weeks")
        } else {
            format!("{low:>2}+ weeks")
        };
        println!(
            "  {label:<14}  {:>9}  {:>5.1}%",
            thousands(n),
            share(n, summary.len())
        );
    }
}

/// Total spend, per customer and per purchase day.
fn spend(summary: &Summary) {
    let total: Decimal = summary.customers().iter().map(|c| c.total_spend()).sum();
    let purchases: u64 = summary
        .customers()
        .iter()
        .map(|c| u64::from(c.purchases()))
        .sum();
    println!();
    println!("Spend up to {}", summary.summarizer().calibration_end());
    println!("  (revenue of all purchases, and its mean per customer and per purchase day)");
    println!("  total                {:>12}", money(total));
    if !summary.is_empty() && purchases > 0 {
        let customers = Decimal::from(summary.len() as u64);
        println!("  per customer         {:>12}", money(total / customers));
        println!(
            "  per purchase day     {:>12}",
            money(total / Decimal::from(purchases))
        );
    }
}

/// The `n` customers with the highest total spend.
fn top_customers(summary: &Summary, n: usize) {
    let mut rows: Vec<_> = summary.customers().iter().collect();
    rows.sort_by(|a, b| {
        b.total_spend()
            .cmp(&a.total_spend())
            .then(a.customer().cmp(&b.customer()))
    });
    println!();
    println!("Top {n} customers by total spend");
    println!(
        "  (zbar: mean spend of the repeat purchases; recency: weeks since the last purchase)"
    );
    println!("  customer  purchases  total spend     zbar  recency (weeks)");
    for c in rows.iter().take(n) {
        println!(
            "  {:>8}  {:>9}  {:>11}  {:>7}  {:>15.1}",
            c.customer().to_string(),
            c.purchases(),
            money(c.total_spend()),
            money(c.zbar()),
            c.periods_since_last(),
        );
    }
}

/// RFM quintiles (recency in weeks, purchases, total spend) and the R `rfm`
/// package's segments, with each segment's share of customers and revenue.
fn rfm_segments(summary: &Summary) -> customer_value::Result<()> {
    let values = RfmValues::from_summaries(summary.customers(), Monetary::Total);
    let scored = Rfm::builder().bins(5).build()?.fit_score(&values)?;
    let scores: Vec<_> = scored.scores().iter().map(|s| s.score).collect();
    let rules = SegmentRules::rfm_package_v030();
    let segments = rules.score_all(&scores)?;
    let report = SegmentReport::new(&rules, &segments, values.iter().map(|v| v.monetary()))?;
    println!();
    println!("RFM segments (quintiles; R rfm package v0.3.0 rules)");
    println!("  (where each score begins; equal values share a score, so a score can be skipped,");
    println!("  then customers and revenue per segment)");
    let fitted = scored.fitted();
    println!("  recency weeks {:.1}", fitted.recency_cuts());
    println!("  purchases     {}", fitted.frequency_cuts());
    println!("  spend         {}", fitted.monetary_cuts());
    println!();
    println!("  segment               customers   share      revenue   share");
    for row in report.rows() {
        println!(
            "  {:<20} {:>10}  {:>5.1}%  {:>11}  {:>5.1}%",
            row.name(),
            thousands(row.customers() as u64),
            100.0 * row.customer_share(),
            money(row.revenue()),
            100.0 * row.revenue_share().unwrap_or(0.0),
        );
    }
    Ok(())
}

/// The retention model's figures that the BG/NBD section reconciles with.
struct Equity {
    /// Sum of the customers' CLV.
    equity: Decimal,
    /// The part of the equity earned in the first year: margin × r / (1 + d).
    first_year: Decimal,
}

/// Discounted CLV per customer and the customer equity of the base, with
/// yearly periods: 70 % of customers kept each year, 10 % discount, a 30 %
/// margin on spend, margins paid at the end of each year a customer stays
/// (Gupta & Lehmann's convention).
fn lifetime_value(log: &[Transaction], calibration_end: Date) -> customer_value::Result<Equity> {
    let yearly = Summarizer::builder(calibration_end)
        .unit(TimeUnit::days(365)?)
        .build()?
        .summarize(log)?;
    let model = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
        .retention(Decimal::new(7, 1))
        .discount(Decimal::new(1, 1))
        .build()?;
    let margins =
        MarginInput::from_summaries(yearly.customers(), MarginRate::new(Decimal::new(3, 1))?)?;
    let clv = model.score_keyed(&margins)?;
    let equity = model.customer_equity(&margins)?;
    let yearly_margin: Decimal = margins.iter().map(|m| m.margin()).sum();
    let (r, d) = (Decimal::new(7, 1), Decimal::new(1, 1));
    println!();
    println!(
        "Lifetime value (retention 70%/year, discount 10%/year, 30% margin, paid at year end)"
    );
    println!(
        "  (a customer's yearly margin is 30% of their spend per year of age, at least one year;"
    );
    println!("  CLV = margin x multiple, summed over every future year the customer stays)");
    println!(
        "  margin multiple      {:>12}   r/(1+d-r) = 0.7/(1+0.1-0.7): CLV per unit of yearly margin",
        model.multiple().round_dp(4)
    );
    println!(
        "  yearly margin        {:>12}   all customers",
        money(yearly_margin)
    );
    println!(
        "  customer equity      {:>12}   sum of CLV = yearly margin x {}",
        money(equity),
        model.multiple().round_dp(4)
    );
    if !clv.is_empty() {
        let mean = equity / Decimal::from(clv.len() as u64);
        println!("  mean CLV             {:>12}", money(mean));
    }
    let mut top: Vec<_> = clv.iter().collect();
    top.sort_by(|a, b| {
        b.score
            .gross()
            .cmp(&a.score.gross())
            .then(a.customer.cmp(&b.customer))
    });
    println!(
        "  highest CLV: {}",
        top.iter()
            .take(5)
            .map(|s| format!("{} ({})", s.customer, money(s.score.gross())))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(Equity {
        equity,
        first_year: yearly_margin * r / (Decimal::ONE + d),
    })
}

/// Lifecycle stages from weekly spend: the WindowTrend rule with the
/// defaults for weeks (`WindowTrend::for_unit`).
fn lifecycle(log: &[Transaction], summary: &Summary) -> customer_value::Result<()> {
    let end = summary.summarizer().calibration_end();
    let histories =
        PeriodHistories::from_transactions(log, &HistoryOptions::new(end, TimeUnit::WEEK))?;
    let rule = WindowTrend::for_unit(TimeUnit::WEEK).build()?;
    let stages = StageRule::from(rule).assign_all(&histories)?;
    let mut counts: Vec<(LifecycleStage, u64)> = Vec::new();
    for a in &stages {
        match counts.iter_mut().find(|(s, _)| *s == a.stage()) {
            Some((_, n)) => *n += 1,
            None => counts.push((a.stage(), 1)),
        }
    }
    counts.sort_by_key(|(s, _)| *s);
    println!();
    println!(
        "Lifecycle stages (weekly spend; windows of {} weeks, +/-20%, decline after {} idle weeks, churned after {})",
        rule.window(),
        rule.inactivity_limit(),
        rule.churned_limit()
            .map_or("never".to_owned(), |c| c.to_string()),
    );
    println!("  (customers per stage; a customer who bought in the last window is not in decline)");
    for (stage, n) in &counts {
        println!(
            "  {:<12} {:<4} {:>9}  {:>5.1}%",
            stage.to_string(),
            stage.chinese_name(),
            thousands(*n),
            share(*n, stages.len())
        );
    }
    Ok(())
}

/// A relationship-duration loyalty index from the transaction data alone:
/// A11 (t_x), A12 (purchases per week) and A13 (trend of weekly purchases
/// over the last 26 weeks), with the worked example's AHP weights; the
/// survey indicators are missing, so their weight is dropped on purpose.
fn loyalty(log: &[Transaction], summary: &Summary) -> customer_value::Result<()> {
    let end = summary.summarizer().calibration_end();
    let start = end.checked_add_days(-26 * 7 + 1)?;
    let counts = purchase_counts(log, start, TimeUnit::WEEK, 26)?;
    let customers = summary
        .customers()
        .iter()
        .map(|row| {
            let mut values = IndicatorValuesBuilder::from_summary(row).clear(Indicator::A22);
            if let Ok(i) = counts.binary_search_by_key(&row.customer(), |c| c.customer()) {
                values = values.set(Indicator::A13, counts[i].trend()?);
            }
            values.build()
        })
        .collect::<customer_value::Result<Vec<_>>>()?;
    let ahp = |rows: &[&[f64]]| Ahp::new(rows)?.eigenvector();
    let weights = Weights::from_ahp(
        &ahp(&[&[1.0, 2.0, 3.0], &[0.5, 1.0, 2.0], &[1.0 / 3.0, 0.5, 1.0]])?,
        &ahp(&[
            &[1.0, 3.0, 5.0],
            &[1.0 / 3.0, 1.0, 3.0],
            &[0.2, 1.0 / 3.0, 1.0],
        ])?,
        &ahp(&[&[1.0, 2.0], &[0.5, 1.0]])?,
        &ahp(&[
            &[1.0, 2.0, 3.0, 2.0],
            &[0.5, 1.0, 2.0, 1.0],
            &[1.0 / 3.0, 0.5, 1.0, 0.5],
            &[0.5, 1.0, 2.0, 1.0],
        ])?,
    )?;
    let index = LoyaltyModel::new(weights, MissingPolicy::DropAndRenormalise).fit(&customers)?;
    let scores = index.score_all(&customers)?;
    let mut buckets = [0u64; 5];
    for s in &scores {
        buckets[((s.index() / 20.0) as usize).min(4)] += 1;
    }
    println!();
    println!("Loyalty index (A1 relationship duration only: A11, A12, A13; AHP weights)");
    println!("  (customers per band of the 0-100 index)");
    for (i, &n) in buckets.iter().enumerate() {
        let bar = "#".repeat((share(n, scores.len()) / 2.0).round() as usize);
        println!(
            "  {:>3}-{:<3}  {:>9}  {:>5.1}%  {bar}",
            20 * i,
            20 * (i + 1),
            thousands(n),
            share(n, scores.len())
        );
    }
    Ok(())
}

/// BG/NBD and Gamma-Gamma fitted on the weekly summary: parameters, the
/// customers expected to buy most in the next 26 weeks, churn risk from
/// recency alone and with P(alive), and the CLV of the base (12 months of
/// 4.345 weeks, 1 % a month, Python lifetimes' convention), reconciled with
/// the retention model's customer equity.
fn probabilistic(summary: &Summary, equity: &Equity) -> customer_value::Result<()> {
    let histories: Vec<CustomerHistory> = summary
        .customers()
        .iter()
        .map(CustomerHistory::from_summary)
        .collect::<customer_value::Result<_>>()?;
    let started = Instant::now();
    let fit = BgNbd::new().fit_detailed(&histories)?;
    let fit_time = started.elapsed();
    let p = *fit.params();
    let spend: Vec<SpendHistory> = summary
        .customers()
        .iter()
        .filter(|c| c.frequency() > 0)
        .map(SpendHistory::from_summary)
        .collect::<customer_value::Result<_>>()?;
    let gg = *GammaGamma::new().fit_detailed(&spend)?.params();
    println!();
    println!(
        "BG/NBD (weeks): r {:.4}, alpha {:.3}, a {:.4}, b {:.4}; LL {:.2}; {} rows, fitted in {:.1} ms",
        p.r(),
        p.alpha(),
        p.a(),
        p.b(),
        fit.log_likelihood(),
        fit.rows(),
        fit_time.as_secs_f64() * 1e3
    );
    println!(
        "Gamma-Gamma: p {:.3}, q {:.3}, gamma {:.3}",
        gg.p(),
        gg.q(),
        gg.gamma()
    );
    println!(
        "  (maximum-likelihood parameters: purchases and dropout in weeks, and spend per purchase)"
    );

    let predictor = BgNbdPredictor::new(p, 26.0)?;
    let scores = predictor.score_keyed(&histories)?;
    let mut top: Vec<_> = scores.iter().collect();
    top.sort_by(|a, b| {
        b.score
            .expected_purchases()
            .total_cmp(&a.score.expected_purchases())
            .then(a.customer.cmp(&b.customer))
    });
    println!(
        "  most purchases expected in the next 26 weeks (E[purchases] and P(alive) per customer):"
    );
    for s in top.iter().take(5) {
        println!(
            "    customer {:>6}: {:>5.2} purchases, P(alive) {:.3}",
            s.customer.to_string(),
            s.score.expected_purchases(),
            s.score.p_alive()
        );
    }

    let recency_rule = RecencyRule::courseware(TimeUnit::WEEK);
    let by_recency = recency_rule.score_all(
        &summary
            .customers()
            .iter()
            .map(ChurnInput::from_summary)
            .collect::<Vec<_>>(),
    )?;
    let warning = EarlyWarning::new(recency_rule).with_p_alive(PAliveRule::new(&[
        (0.5, RiskLevel::Medium),
        (0.2, RiskLevel::High),
        (0.05, RiskLevel::Lost),
    ])?);
    let inputs = summary
        .customers()
        .iter()
        .zip(&scores)
        .map(|(row, s)| ChurnInput::from_summary(row).with_p_alive(s.score.p_alive()))
        .collect::<customer_value::Result<Vec<_>>>()?;
    let warnings = warning.score_all(&inputs)?;
    let raised = by_recency
        .iter()
        .zip(&warnings)
        .filter(|(a, b)| b.level() > a.level())
        .count() as u64;
    println!();
    println!("Churn risk                 recency alone    recency and P(alive)");
    println!("  (recency: absent 12 weeks high, about 10% return; 24 weeks lost, about 5%;");
    println!("  the second column takes the worse of that and P(alive) below 0.5 medium,");
    println!(
        "  0.2 high, 0.05 lost, so it only raises levels: {} customers raised)",
        thousands(raised)
    );
    for level in [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Lost,
    ] {
        let a = by_recency.iter().filter(|w| w.level() == level).count() as u64;
        let b = warnings.iter().filter(|w| w.level() == level).count() as u64;
        println!(
            "  {:<8} {:>9}  {:>5.1}%     {:>9}  {:>5.1}%",
            level.to_string(),
            thousands(a),
            share(a, by_recency.len()),
            thousands(b),
            share(b, warnings.len())
        );
    }

    let clv = BtydClv::builder(p, gg)
        .periods(12)
        .discount(DiscountRate::new(Decimal::new(1, 2))?)
        .period_length(4.345)
        .build()?;
    let customers = summary
        .customers()
        .iter()
        .map(BtydCustomer::from_summary)
        .collect::<customer_value::Result<Vec<_>>>()?;
    let values = clv.score_all(&customers)?;
    let base: Decimal = values.iter().sum();
    let margin = Decimal::new(3, 1);
    println!();
    println!("CLV of the base: two models, two questions");
    println!(
        "  (BG/NBD x Gamma-Gamma: expected revenue of the next 12 months, 1% a month discount;"
    );
    println!("  the retention model: margin over every future year at 70% kept a year)");
    println!("  BG/NBD 12-month CLV (revenue)     {:>12}", money(base));
    println!(
        "    at the same 30% margin           {:>12}",
        money(base * margin)
    );
    println!(
        "  retention model, first year       {:>12}   yearly margin x 0.7/1.1",
        money(equity.first_year)
    );
    println!(
        "  retention model, customer equity  {:>12}   all future years",
        money(equity.equity)
    );
    println!(
        "  (the equity sums margin, not revenue, over a lifetime, not 12 months; in their common first"
    );
    println!(
        "  year the retention model's 70% retention expects {:.2}x the margin the BG/NBD model does)",
        ratio(equity.first_year, base * margin)
    );
    Ok(())
}

/// IDIC "differentiate": ABC classes by share of spend and the customer
/// pyramid, each with its population report.
fn differentiation(summary: &Summary) -> customer_value::Result<()> {
    let values = CustomerValue::from_summaries(summary.customers());
    let top = pareto_share(&values, Decimal::new(2, 1))?;
    println!();
    println!(
        "Differentiation by total spend: the top 20% of customers bring {:.1}% of it",
        100.0 * top
    );
    let abc = Abc::by_value_default(Boundary::Crossing).classify(&values)?;
    tier_table("ABC class (80/95% of spend)", abc.report());
    let pyramid = Pyramid::textbook().classify(&values)?;
    tier_table("Pyramid tier (1/4/15/80%)", pyramid.report());
    Ok(())
}

/// One population report: customers and spend per tier.
fn tier_table<T: Tier + std::fmt::Display + Copy>(title: &str, report: &TierReport<T>) {
    println!();
    println!("  {title:<28} customers   share        spend   share");
    println!("  (customers and spend per class; shares of all customers and all spend)");
    for row in report.tiers() {
        println!(
            "  {:<28} {:>9}  {:>5.1}%  {:>11}  {:>5.1}%",
            row.tier().to_string(),
            thousands(row.count() as u64),
            100.0 * row.customer_share(),
            money(row.value()),
            100.0 * row.value_share().unwrap_or(0.0),
        );
    }
}

/// `a / b` as a float for display (0 when `b` is 0).
fn ratio(a: Decimal, b: Decimal) -> f64 {
    if b.is_zero() {
        return 0.0;
    }
    (a / b).to_string().parse().unwrap_or(0.0)
}

/// Percentage of `n` in `total`.
fn share(n: u64, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * n as f64 / total as f64
    }
}

/// `1234567.891` as `1,234,567.89` (rounded half to even, for display only).
fn money(amount: Decimal) -> String {
    let cents = amount.round_dp(2);
    let whole = cents
        .trunc()
        .abs()
        .to_string()
        .parse::<u64>()
        .unwrap_or(u64::MAX);
    let fraction = (cents.fract().abs() * Decimal::ONE_HUNDRED).trunc();
    let sign = if cents.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}.{fraction:0>2}", thousands(whole))
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
