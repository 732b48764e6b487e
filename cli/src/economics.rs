//! `customer-value economics`: loyalty economics (Reichheld & Sasser 1990)
//! of the caller's own profit-by-tenure curve.

use std::path::{Path, PathBuf};

use customer_value::Decimal;
use customer_value::clv::{DiscountRate, Horizon, RetentionRate};
use customer_value::economics::{
    Component, ProfitCurve, RetentionEconomics, Tail, TenureProfit, expected_lifetime,
};
use rust_decimal::prelude::ToPrimitive;

use crate::Failure;
use crate::args::{option_name, parse_decimal, parse_value};
use crate::output::{Format, percent, write_csv, write_text};

const USAGE: &str = "\
customer-value economics: the cumulative profit of an acquired customer by tenure, as CSV on
stdout, with breakeven, expected lifetime, NPV and steady-state profit on stderr

Usage: customer-value economics --curve CURVE.csv --acquisition-cost A --retention R --discount D [OPTIONS]

The curve has a header and one row per period of tenure, periods 1, 2, .. in order:
period,base_profit,increased_purchases,cost_savings,referrals,price_premium
(period and base_profit are required; a missing component column counts 0; an empty cell is
an error). Every rate is per period of the curve.
      --curve FILE             the profit by tenure (CSV)
      --acquisition-cost A     the cost of winning a customer, paid at time 0 (>= 0)
      --retention R            the share of customers kept from one period to the next (0 to 1)
      --new-retention R1       a second retention: the report compares R and R1 (lifetimes,
                               NPVs, steady-state profits and their changes)
      --discount D             the discount rate per period (e.g. 0.1)
      --horizon N|infinite     periods counted (default: infinite)
      --tail zero|repeat-last  the profit after the curve's last period: nothing, or the last
                               period's again; required when the horizon is longer than the curve
      --exact                  every digit (default: money to cents)
  -o, --output FILE            write the CSV to FILE instead of stdout
      --report FILE            write the report to FILE instead of stderr
  -h, --help                   print this help

Output columns: period,base_profit,increased_purchases,cost_savings,referrals,price_premium,
total,cumulative (period 0 is the acquisition: total = cumulative = -A; cumulative is the
undiscounted profit of a customer who stays).
The NPV of an acquired customer is -A + sum over t of total_t x R^(t-1) / (1+D)^t; the
steady-state profit is the same sum with D = 0 (profit per period of a firm that wins one
customer each period); the expected lifetime is 1/(1-R) periods (infinite horizon).

Examples:
  customer-value economics --curve curve.csv --acquisition-cost 100 --retention 0.5 --discount 0 --tail repeat-last
  customer-value economics --curve curve.csv --acquisition-cost 100 --retention 0.8 --new-retention 0.85 --discount 0.1 --tail repeat-last -o economics.csv --report economics.txt
";

const COLUMNS: [(&str, Component); 4] = [
    ("increased_purchases", Component::IncreasedPurchases),
    ("cost_savings", Component::CostSavings),
    ("referrals", Component::Referrals),
    ("price_premium", Component::PricePremium),
];

fn rate<T>(
    parser: &mut lexopt::Parser,
    name: &str,
    make: impl FnOnce(Decimal) -> customer_value::Result<T>,
) -> Result<T, Failure> {
    parse_value(parser, name, |t| {
        make(parse_decimal(t)?).map_err(|e| e.to_string())
    })
}

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut curve: Option<PathBuf> = None;
    let mut acquisition: Option<Decimal> = None;
    let mut retention: Option<RetentionRate> = None;
    let mut new_retention: Option<RetentionRate> = None;
    let mut discount: Option<DiscountRate> = None;
    let mut horizon = Horizon::Infinite;
    let mut tail: Option<Tail> = None;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "curve" => curve = Some(parser.value()?.into()),
            "acquisition-cost" => {
                acquisition = Some(parse_value(parser, &name, |t| {
                    let a = parse_decimal(t)?;
                    if a < Decimal::ZERO {
                        return Err("must be >= 0 (money spent to win the customer)".into());
                    }
                    Ok(a)
                })?)
            }
            "retention" => retention = Some(rate(parser, &name, RetentionRate::new)?),
            "new-retention" => new_retention = Some(rate(parser, &name, RetentionRate::new)?),
            "discount" => discount = Some(rate(parser, &name, DiscountRate::new)?),
            "horizon" => {
                horizon = parse_value(parser, &name, |t| match t {
                    "infinite" | "inf" => Ok(Horizon::Infinite),
                    n => n
                        .parse::<u32>()
                        .map(Horizon::Periods)
                        .map_err(|_| "expected a whole number of periods or infinite".into()),
                })?
            }
            "tail" => {
                tail = Some(parse_value(parser, &name, |t| match t {
                    "zero" => Ok(Tail::Zero),
                    "repeat-last" => Ok(Tail::RepeatLast),
                    _ => Err("expected zero or repeat-last".into()),
                })?)
            }
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let missing = |what: &str| Failure::Usage(format!("missing {what}"));
    let path = curve.ok_or_else(|| missing("--curve FILE"))?;
    let acquisition = acquisition.ok_or_else(|| missing("--acquisition-cost A"))?;
    let retention = retention.ok_or_else(|| missing("--retention R"))?;
    let discount = discount.ok_or_else(|| missing("--discount D"))?;

    let periods = read_curve(&path)?;
    let len = periods.len();
    let tail = match (tail, horizon) {
        (Some(tail), _) => tail,
        // Within the curve the tail is never used.
        (None, Horizon::Periods(n)) if usize::try_from(n).is_ok_and(|n| n <= len) => Tail::Zero,
        (None, _) => {
            return Err(Failure::Usage(format!(
                "missing --tail zero|repeat-last: the horizon is longer than the curve's {len} periods"
            )));
        }
    };
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let curve = ProfitCurve::new(acquisition, periods).map_err(data)?;
    let totals = curve.totals().map_err(data)?;
    let cumulative = curve.cumulative().map_err(data)?;
    let breakeven = curve.breakeven().map_err(data)?;

    let fmt = Format::new(exact);
    let economics = RetentionEconomics::new(curve, discount, horizon, tail);
    let model = |e: customer_value::Error| Failure::Data(e.to_string());
    let mut text = format!(
        "{len} periods, acquisition cost {}, discount {} per period\n",
        fmt.money(acquisition),
        fmt.decimal_figure(discount.get())
    );
    text.push_str(&match breakeven {
        Some(t) => format!("breakeven: period {t} (cumulative profit >= 0 at its end)\n"),
        None => "breakeven: not within the curve\n".to_owned(),
    });
    let lifetime = |r: RetentionRate| match expected_lifetime(r, horizon) {
        Ok(l) => fmt.decimal_figure(l),
        Err(_) => "infinite".to_owned(),
    };
    match new_retention {
        None => {
            text.push_str(&format!(
                "retention {}: expected lifetime {} periods\n\
                 NPV of an acquired customer: {}\n\
                 steady-state profit per period: {}\n",
                fmt.decimal_figure(retention.get()),
                lifetime(retention),
                fmt.money(economics.customer_npv(retention).map_err(model)?),
                fmt.money(economics.steady_state_profit(retention).map_err(model)?),
            ));
        }
        Some(new) => {
            let effect = economics.compare(retention, new).map_err(model)?;
            let change = |ratio: Option<Decimal>| {
                ratio.and_then(|r| r.to_f64()).map_or("-".to_owned(), |r| {
                    let p = percent(r);
                    if r > 0.0 { format!("+{p}") } else { p }
                })
            };
            text.push_str(&format!(
                "{:<32} {:>16} {:>16} {:>16}\n",
                "", "before", "after", "change"
            ));
            text.push_str(&format!(
                "{:<32} {:>16} {:>16} {:>16}\n",
                "retention",
                fmt.decimal_figure(retention.get()),
                fmt.decimal_figure(new.get()),
                fmt.decimal_figure(new.get() - retention.get()),
            ));
            text.push_str(&format!(
                "{:<32} {:>16} {:>16}\n",
                "expected lifetime (periods)",
                lifetime(retention),
                lifetime(new)
            ));
            text.push_str(&format!(
                "{:<32} {:>16} {:>16} {:>16}\n",
                "NPV of an acquired customer",
                fmt.money(effect.base_npv()),
                fmt.money(effect.new_npv()),
                change(effect.npv_change_ratio()),
            ));
            text.push_str(&format!(
                "{:<32} {:>16} {:>16} {:>16}\n",
                "steady-state profit per period",
                fmt.money(effect.base_steady_state()),
                fmt.money(effect.new_steady_state()),
                change(effect.steady_state_change_ratio()),
            ));
            if effect.npv_change_ratio().is_none() || effect.steady_state_change_ratio().is_none() {
                text.push_str("(-: no relative change from a base that is not positive)\n");
            }
        }
    }
    // Every figure is computed before anything is written: an error leaves no output.
    write_csv(
        output.as_deref(),
        &[
            "period",
            "base_profit",
            "increased_purchases",
            "cost_savings",
            "referrals",
            "price_premium",
            "total",
            "cumulative",
        ],
        |csv| {
            csv.show(0)?;
            for _ in 0..5 {
                csv.text("")?;
            }
            csv.money(fmt, -acquisition)?
                .money(fmt, cumulative[0])?
                .end()?;
            for (t, p) in economics.curve().periods().iter().enumerate() {
                csv.show(t + 1)?;
                for c in Component::ALL {
                    csv.money(fmt, p.get(c))?;
                }
                csv.money(fmt, totals[t])?
                    .money(fmt, cumulative[t + 1])?
                    .end()?;
            }
            Ok(())
        },
    )?;

    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

/// The curve's periods, checked: periods 1, 2, .. in order, amounts as decimals.
fn read_curve(path: &Path) -> Result<Vec<TenureProfit>, Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let find = |name: &str| header.iter().position(|h| h == name);
    let required = |name: &str| crate::args::required_column(&header, name, path, "economics");
    let period_col = required("period")?;
    let base_col = required("base_profit")?;
    let others: Vec<(usize, Component)> = COLUMNS
        .iter()
        .filter_map(|&(name, c)| find(name).map(|i| (i, c)))
        .collect();
    let mut periods = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let at =
            |message: String| Failure::Data(format!("{}: line {line}: {message}", path.display()));
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let cell = |col: usize| record.get(col).unwrap_or("").trim();
        let period = cell(period_col);
        if period.parse::<usize>().ok() != Some(periods.len() + 1) {
            return Err(at(format!(
                "period {period:?}: expected {} (periods 1, 2, .. in order)",
                periods.len() + 1
            )));
        }
        let amount = |col: usize| {
            let text = cell(col);
            parse_decimal(text)
                .map_err(|_| at(format!("{}: {text:?} is not an amount", header[col])))
        };
        let mut p = TenureProfit::new(amount(base_col)?);
        for &(col, c) in &others {
            let v = amount(col)?;
            p = match c {
                Component::IncreasedPurchases => p.with_increased_purchases(v),
                Component::CostSavings => p.with_cost_savings(v),
                Component::Referrals => p.with_referrals(v),
                _ => p.with_price_premium(v),
            };
        }
        periods.push(p);
    }
    if periods.is_empty() {
        return Err(Failure::Data(format!(
            "{}: no period of tenure (the curve needs at least one row)",
            path.display()
        )));
    }
    Ok(periods)
}
