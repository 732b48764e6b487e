//! `customer-value clv`: discounted customer lifetime value per customer (the
//! Gupta-Lehmann retention model) and the customer equity of the base.

use std::path::PathBuf;

use customer_value::clv::{
    GrowthIndexing, Horizon, MarginInput, MarginRate, RetentionModel, Timing,
};
use customer_value::{Decimal, Scorer, TimeUnit};

use crate::Failure;
use crate::args::{SummaryInput, option_name, parse_decimal, parse_value, scorer_help};
use crate::output::{Format, write_csv};

const USAGE: &str = "\
customer-value clv: discounted customer lifetime value per customer, as CSV on stdout, and the
customer equity of the base on stderr

Usage: customer-value clv (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE)
                 --retention R --discount I --timing T [OPTIONS]

CLV options (rates are per period):
      --period P               the period of --retention, --discount, --growth and --horizon:
                               month (default: 30.4375 days, 365.25/12, whatever the summary's
                               unit: 30.4375 periods of a daily summary, 4.348 of a weekly one),
                               year (365.25 days), week, day, a number of days, or unit (the
                               summary's own unit, as before)
      --retention R            share of customers kept each period, in [0, 1]
      --discount I             discount rate per period, > -1
      --timing T               when margins are paid (no default, results differ):
                               end    - end of each period, if retained through it (Gupta & Lehmann)
                               start  - start of each period, the current margin included
                               end-if-alive-at-start - end of each period, if alive at its start
      --horizon H              number of periods, or infinite (default)
      --growth G               margin growth per period, > -1
      --growth-indexing X      ungrown (default: the first margin is m) or grown (it is m(1+g))
      --margin-rate M          share of spend that is margin, in [0, 1] (default 1: spend is margin)
      --acquisition-cost AC    cost of acquiring each customer, >= 0, subtracted for net CLV
                               (default 0)
      --exact                  print every digit instead of rounding money to cents (half to even)
  -o, --output FILE            write the per-customer CSV to FILE instead of stdout

Each customer's margin per period is total spend / max(T in periods, 1) x margin rate, where
T in periods is the customer's age in days (T x the summary's days per unit) / days per period.
A summary without total spend (lifetimes' or BTYD's layout) gives the repeat spend
x x monetary_value instead, leaving out each first purchase (said on stderr).
Output columns: customer_id,margin_per_period,clv,net_clv (money).

Examples:
  customer-value clv --input log.csv --observation-end 2024-12-31 --unit 30 --retention 0.9 --discount 0.01 --timing end
  customer-value clv --input log.csv --observation-end 2024-12-31 --unit 365 --retention 0.6 --discount 0.1 --timing start --horizon 5 --margin-rate 0.3
  customer-value clv --summary summary.csv --retention 0.98 --discount 0.002 --timing end -o clv.csv
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut retention = None;
    let mut discount = None;
    let mut timing = None;
    let mut horizon = Horizon::Infinite;
    let mut growth = None;
    let mut indexing = GrowthIndexing::FirstMarginUngrown;
    let mut margin_rate = Decimal::ONE;
    let mut acquisition_cost = Decimal::ZERO;
    let mut exact = false;
    let mut period = Period::Days(Decimal::new(304375, 4));
    let mut output: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(USAGE),
            "retention" => retention = Some(parse_value(parser, &name, parse_decimal)?),
            "discount" => discount = Some(parse_value(parser, &name, parse_decimal)?),
            "timing" => timing = Some(parse_value(parser, &name, parse_timing)?),
            "horizon" => horizon = parse_value(parser, &name, parse_horizon)?,
            "growth" => growth = Some(parse_value(parser, &name, parse_decimal)?),
            "growth-indexing" => {
                indexing = parse_value(parser, &name, |t| match t {
                    "ungrown" => Ok(GrowthIndexing::FirstMarginUngrown),
                    "grown" => Ok(GrowthIndexing::FirstMarginGrown),
                    _ => Err("expected ungrown or grown".into()),
                })?
            }
            "margin-rate" => margin_rate = parse_value(parser, &name, parse_decimal)?,
            "acquisition-cost" => acquisition_cost = parse_value(parser, &name, parse_decimal)?,
            "exact" => exact = true,
            "period" => period = parse_value(parser, &name, parse_period)?,
            "output" => output = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    let usage = |e: customer_value::Error| Failure::Usage(e.to_string());
    let timing = timing.ok_or_else(|| {
        Failure::Usage("clv needs --timing end, start or end-if-alive-at-start".into())
    })?;
    let mut builder = RetentionModel::builder(timing, horizon);
    builder = builder
        .retention(retention.ok_or_else(|| Failure::Usage("clv needs --retention R".into()))?);
    builder =
        builder.discount(discount.ok_or_else(|| Failure::Usage("clv needs --discount I".into()))?);
    if let Some(g) = growth {
        builder = builder.growth(g, indexing);
    }
    let model = builder.build().map_err(usage)?;
    // The library's MarginRate allows a negative rate (selling below cost);
    // on the command line a negative rate or cost is refused as a slip.
    if margin_rate < Decimal::ZERO {
        return Err(Failure::Usage(format!(
            "--margin-rate {margin_rate}: must be in [0, 1] (the share of spend that is margin)"
        )));
    }
    let margin_rate = MarginRate::new(margin_rate).map_err(|_| {
        Failure::Usage(format!(
            "--margin-rate {margin_rate}: must be in [0, 1] (the share of spend that is margin)"
        ))
    })?;
    if acquisition_cost < Decimal::ZERO {
        return Err(Failure::Usage(format!(
            "--acquisition-cost {acquisition_cost}: must be >= 0"
        )));
    }

    let loaded = input.load("clv")?;
    // Row by row, so that an error names the customer.
    let whose = |e: customer_value::Error, customer| {
        Failure::Data(format!(
            "{}: customer {}: {e}",
            loaded.path.display(),
            loaded.label(customer)
        ))
    };
    crate::args::check_spend(&loaded, "clv")?;
    eprintln!(
        "customer-value: rates are per {}",
        match period {
            Period::Unit => format!("summary unit ({})", loaded.unit),
            Period::Days(days) => format!("period of {days} days"),
        }
    );
    let rows: Vec<MarginInput> = loaded
        .rows
        .iter()
        .map(|row| {
            match period {
                Period::Unit => MarginInput::from_summary(row, margin_rate),
                Period::Days(days) => margin_per_period(row, loaded.unit, days, margin_rate),
            }
            .map(|m| m.with_acquisition_cost(acquisition_cost))
            .map_err(|e| whose(e, row.customer()))
        })
        .collect::<Result<_, _>>()?;
    let scores = rows
        .iter()
        .map(|row| model.score(row).map_err(|e| whose(e, row.customer())))
        .collect::<Result<Vec<_>, _>>()?;
    let equity = model.customer_equity(&rows).map_err(|e| {
        Failure::Data(format!(
            "{}: customer equity (the sum over {} customers): {e}",
            loaded.path.display(),
            rows.len()
        ))
    })?;

    let fmt = Format::new(exact);
    write_csv(
        output.as_deref(),
        &["customer_id", "margin_per_period", "clv", "net_clv"],
        |csv| {
            for (row, score) in rows.iter().zip(&scores) {
                csv.text(loaded.label(row.customer()).as_ref())?
                    .money(fmt, row.margin())?
                    .money(fmt, score.gross())?
                    .money(fmt, score.net())?
                    .end()?;
            }
            Ok(())
        },
    )?;
    eprintln!(
        "customer-value: {} customers; margin multiple {}; customer equity (sum of net CLV) {}",
        rows.len(),
        fmt.decimal_figure(model.multiple()),
        fmt.money(equity),
    );
    Ok(())
}

/// The period rates are given per.
#[derive(Clone, Copy)]
enum Period {
    /// The summary's own unit.
    Unit,
    /// A number of days (30.4375 for a month).
    Days(Decimal),
}

fn parse_period(text: &str) -> Result<Period, String> {
    let days = match text {
        "unit" => return Ok(Period::Unit),
        "month" | "months" => Decimal::new(304375, 4),
        "year" | "years" => Decimal::new(36525, 2),
        "week" | "weeks" => Decimal::from(7),
        "day" | "days" => Decimal::ONE,
        n => customer_value::parse_decimal_exact(n)
            .map_err(|_| "expected month, year, week, day, unit or a number of days".to_owned())?,
    };
    if days <= Decimal::ZERO {
        return Err("a period must be longer than 0 days".into());
    }
    Ok(Period::Days(days))
}

/// A customer's margin per period of `period_days`: total spend over the
/// customer's age in periods (at least one) times the margin rate. The age
/// in days is whole for summaries made from dates
/// ([`TimeUnit::convert`]), so the division is in exact decimals.
fn margin_per_period(
    row: &customer_value::CustomerSummary,
    unit: TimeUnit,
    period_days: Decimal,
    margin_rate: MarginRate,
) -> Result<MarginInput, customer_value::Error> {
    let age_days = unit.convert(row.age(), TimeUnit::DAY);
    let bad = || customer_value::Error::InvalidValue {
        what: "customer age",
        reason: format!(
            "customer {}: not a finite number of days, got {age_days}",
            row.customer()
        ),
    };
    let age_days = Decimal::try_from(age_days).map_err(|_| bad())?;
    let overflow = customer_value::Error::Overflow {
        what: "margin per period",
    };
    let periods = age_days
        .checked_div(period_days)
        .ok_or(overflow.clone())?
        .max(Decimal::ONE);
    let margin = row
        .total_spend()
        .checked_div(periods)
        .and_then(|m| m.checked_mul(margin_rate.get()))
        .ok_or(overflow)?;
    Ok(MarginInput::new(row.customer(), margin))
}

fn parse_timing(text: &str) -> Result<Timing, String> {
    match text {
        "end" | "end-of-period" => Ok(Timing::EndOfPeriod),
        "start" | "start-of-period" => Ok(Timing::StartOfPeriod),
        "end-if-alive-at-start" => Ok(Timing::EndPaidIfAliveAtStart),
        _ => Err("expected end, start or end-if-alive-at-start".into()),
    }
}

fn parse_horizon(text: &str) -> Result<Horizon, String> {
    match text {
        "infinite" | "inf" => Ok(Horizon::Infinite),
        n => n
            .parse::<u32>()
            .map(Horizon::Periods)
            .map_err(|_| "expected a number of periods or infinite".into()),
    }
}
