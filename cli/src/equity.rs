//! `customer-value equity`: customer-equity drivers (Rust, Lemon and
//! Zeithaml 2004): driver ratings to brand switching, each respondent's
//! lifetime value to every brand, customer equity, and a what-if.

use std::path::{Path, PathBuf};

use customer_value::drivers::{EquityModel, Respondent};
use customer_value::{CustomerId, Decimal, Interner};
use rust_decimal::prelude::ToPrimitive;

use crate::Failure;
use crate::args::{option_name, parse_decimal, parse_value};
use crate::output::{Format, percent, write_csv, write_text};

const USAGE: &str = "\
customer-value equity: each respondent's lifetime value to every brand from driver ratings
(multinomial-logit switching, Markov CLV), as CSV on stdout, with each brand's customer equity
on stderr; with --brand, --driver, --delta and --spend, the what-if of one driver's improvement

Usage: customer-value equity --model MODEL.json --respondents RATINGS.csv [OPTIONS]

The model is JSON: {\"switching\": {\"drivers\": [{\"name\": \"quality\", \"kind\": \"value\"}, ..],
\"coefficients\": [..], \"inertia\": b0}, \"brands\": [{\"name\": \"A\", \"margin\": \"10\"}, ..],
\"discount\": \"0.1\" (per year), \"years\": 3, \"population\": \"census\" or {\"market\": N}}
(driver kinds: value, brand, relationship).
The respondents file has a header: customer_id, last_brand (a brand name), purchases_per_year,
volume (units per purchase) and one rating column BRAND:DRIVER per brand and driver.
      --model FILE             the equity model (JSON)
      --respondents FILE       the respondents (CSV)
      --brand B                what-if: the brand whose rating improves
      --driver D               what-if: the driver that improves
      --delta X                what-if: the change in every respondent's rating of B on D
      --spend S                what-if: the marketing spend, for the return on it (> 0)
      --exact                  every digit (default: money to cents)
  -o, --output FILE            write the CSV to FILE instead of stdout
      --report FILE            write the report to FILE instead of stderr
  -h, --help                   print this help

The probability that a customer who last bought k buys j next is exp(U_kj) / sum_h exp(U_kh),
U_kj = b0 [j = k] + sum_d b_d x_jd; the lifetime value to brand j is
volume x margin_j x sum over the floor(f x years) purchases t of (1+discount)^(-t/f) P(buy j at t).
Customer equity is the sum over respondents (census) or the mean times the market size.
Output columns: customer_id, then clv_BRAND for each brand.

Examples:
  customer-value equity --model equity.json --respondents ratings.csv
  customer-value equity --model equity.json --respondents ratings.csv --brand A --driver quality --delta 1 --spend 5
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut model_path: Option<PathBuf> = None;
    let mut respondents: Option<PathBuf> = None;
    let mut brand: Option<String> = None;
    let mut driver: Option<String> = None;
    let mut delta: Option<f64> = None;
    let mut spend: Option<Decimal> = None;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "model" => model_path = Some(parser.value()?.into()),
            "respondents" | "input" => respondents = Some(parser.value()?.into()),
            "brand" => brand = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?),
            "driver" => driver = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?),
            "delta" => {
                delta = Some(parse_value(parser, &name, |t| {
                    t.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| "expected a number".to_owned())
                })?)
            }
            "spend" => {
                spend = Some(parse_value(parser, &name, |t| {
                    let s = parse_decimal(t)?;
                    if s <= Decimal::ZERO {
                        return Err("must be > 0 (a return on nothing is undefined)".into());
                    }
                    Ok(s)
                })?)
            }
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let model_path = model_path.ok_or_else(|| Failure::Usage("missing --model FILE".into()))?;
    let path = respondents.ok_or_else(|| Failure::Usage("missing --respondents FILE".into()))?;
    let what_if = match (brand, driver, delta, spend) {
        (None, None, None, None) => None,
        (Some(b), Some(d), Some(x), Some(s)) => Some((b, d, x, s)),
        _ => {
            return Err(Failure::Usage(
                "the what-if needs all of --brand, --driver, --delta and --spend".into(),
            ));
        }
    };
    let text = std::fs::read_to_string(&model_path)
        .map_err(|e| Failure::Data(format!("cannot open {}: {e}", model_path.display())))?;
    let model: EquityModel = serde_json::from_str(&text)
        .map_err(|e| Failure::Data(format!("{}: {e}", model_path.display())))?;
    let what_if = match what_if {
        None => None,
        Some((b, d, x, s)) => {
            let bi = model
                .brands()
                .iter()
                .position(|m| m.name == b)
                .ok_or_else(|| {
                    Failure::Usage(format!("--brand {b:?}: not a brand of the model"))
                })?;
            let di = model.switching().driver_index(&d).ok_or_else(|| {
                Failure::Usage(format!("--driver {d:?}: not a driver of the model"))
            })?;
            Some((bi, di, x, s))
        }
    };
    let (rows, names) = read_respondents(&path, &model)?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let clvs = rows
        .iter()
        .map(|r| model.clv(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(data)?;
    let equity = model.equity(&rows).map_err(data)?;
    let what_if = match what_if {
        None => None,
        Some((b, d, x, s)) => Some((b, d, model.what_if(&rows, b, d, x, s).map_err(data)?)),
    };

    let fmt = Format::new(exact);
    let brands = model.brands();
    let mut header = vec!["customer_id".to_owned()];
    header.extend(brands.iter().map(|b| format!("clv_{}", b.name)));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv(output.as_deref(), &header, |csv| {
        for (r, clv) in rows.iter().zip(&clvs) {
            csv.text(
                names
                    .customer_label(customer_value::Keyed::customer(r))
                    .as_ref(),
            )?;
            for v in clv {
                csv.money(fmt, *v)?;
            }
            csv.end()?;
        }
        Ok(())
    })?;

    let mut text = format!(
        "{} respondents\n{:<20} {:>18} {:>14}\n",
        equity.respondents, "brand", "customer equity", "mean CLV"
    );
    for (i, b) in brands.iter().enumerate() {
        text.push_str(&format!(
            "{:<20} {:>18} {:>14}\n",
            b.name,
            fmt.money(equity.equity[i]),
            fmt.money(equity.mean_clv[i])
        ));
    }
    if let Some((b, d, w)) = what_if {
        text.push_str(&format!(
            "what-if: {} rated {} higher on {} by every respondent\n\
             customer equity {} -> {} (change {}), spend {}, return on spend {}\n",
            brands[b].name,
            fmt.figure(delta.unwrap_or(0.0)),
            model.switching().drivers()[d].name,
            fmt.money(w.before),
            fmt.money(w.after),
            fmt.money(w.change()),
            fmt.money(w.spend),
            w.roi.to_f64().map_or("-".to_owned(), percent),
        ));
    }
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

fn read_respondents(
    path: &Path,
    model: &EquityModel,
) -> Result<(Vec<Respondent>, Interner), Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let col = |name: &str| crate::args::required_column(&header, name, path, "equity");
    let id_at = col("customer_id")?;
    let last_at = col("last_brand")?;
    let f_at = col("purchases_per_year")?;
    let volume_at = col("volume")?;
    let mut rating_at = Vec::new();
    for b in model.brands() {
        for d in model.switching().drivers() {
            rating_at.push((
                format!("{}:{}", b.name, d.name),
                col(&format!("{}:{}", b.name, d.name))?,
            ));
        }
    }
    let mut names = Interner::new();
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let cell = |at: usize| record.get(at).unwrap_or("").trim();
        let number = |at: usize, what: &str| {
            cell(at)
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{what}: {:?} is not a number", cell(at))))
        };
        let id_text = cell(id_at);
        if id_text.is_empty() {
            return Err(bad("empty customer_id".into()));
        }
        let id = CustomerId::new(u64::from(
            names.try_intern(id_text).map_err(|e| bad(e.to_string()))?,
        ));
        if let Some(first) = seen.insert(id, line) {
            return Err(bad(format!(
                "customer {id_text:?} appears again (first on line {first}); each customer has one row"
            )));
        }
        let last = cell(last_at);
        let last = model
            .brands()
            .iter()
            .position(|b| b.name == last)
            .ok_or_else(|| bad(format!("last_brand {last:?} is not a brand of the model")))?;
        let ratings = rating_at
            .iter()
            .map(|(name, at)| number(*at, name))
            .collect::<Result<Vec<_>, _>>()?;
        let r = Respondent::new(
            id,
            last,
            ratings,
            number(f_at, "purchases_per_year")?,
            number(volume_at, "volume")?,
        )
        .map_err(|e| bad(e.to_string()))?;
        out.push(r);
    }
    Ok((out, names))
}
