//! `customer-value loyalty`: the 0-100 loyalty index and its A1/A2/A3 sub-indices
//! from an indicators CSV, with caller, AHP or entropy weights.

use std::path::{Path, PathBuf};

use customer_value::loyalty::{
    Ahp, AhpResult, DickBasu, EntropyWeights, Indicator, IndicatorValues, LoyaltyModel,
    MissingPolicy, Normaliser, Weights,
};
use customer_value::{CustomerId, Fit, Interner, Scorer};

use crate::Failure;
use crate::args::{option_name, parse_value};
use crate::output::{Format, write_csv};

const USAGE: &str = "\
customer-value loyalty: the loyalty index (0-100) and its A1/A2/A3 sub-indices per customer,
as CSV on stdout

Usage: customer-value loyalty --input INDICATORS.csv [OPTIONS]

The file has a header: customer_id and any of the indicator columns
A11 (purchase duration), A12 (purchase frequency), A13 (frequency trend),
A21 (share of wallet), A22 (cross-buying), A31 (recommendation rate),
A32 (price sensitivity, reverse-scored), A33 (satisfaction), A34 (voluntariness).
An absent column or an empty cell is a missing indicator.
  -i, --input FILE             the indicators (CSV)
      --weights W              equal (default), nine leaf weights W11,..,W34 summing to 1,
                               ahp:FILE (a JSON object {\"top\": 3x3, \"a1\": 3x3, \"a2\": 2x2,
                               \"a3\": 4x4} of pairwise comparison matrices), or entropy
      --ahp-method M           eigenvector (default), geometric-mean or column-normalised
      --accept-inconsistent    use AHP weights even when a level's CR >= 0.10
      --missing P              error (default: a missing indicator with weight is an error)
                               or drop (drop it and renormalise the remaining weights)
      --fill Z                 z value for an indicator whose values are all equal (default:
                               that is an error)
      --exact                  every digit (default: 6 significant digits)
  -o, --output FILE            write the CSV to FILE instead of stdout
  -h, --help                   print this help

Each customer has one row; a customer id given twice is an error.
Output columns: customer_id,index,a1,a2,a3,dick_basu (Dick & Basu class from A3 as attitude
and A1 as repeat patronage, split at 50). The weights used go to stderr.

Examples:
  customer-value loyalty --input indicators.csv
  customer-value loyalty --input indicators.csv --weights entropy -o loyalty.csv
";

enum WeightsArg {
    Equal,
    Leaves(Vec<f64>),
    Ahp(PathBuf),
    Entropy,
}

#[derive(Clone, Copy)]
enum AhpMethodArg {
    Eigenvector,
    GeometricMean,
    ColumnNormalised,
}

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input: Option<PathBuf> = None;
    let mut weights = WeightsArg::Equal;
    let mut method = AhpMethodArg::Eigenvector;
    let mut accept_inconsistent = false;
    let mut missing = MissingPolicy::Error;
    let mut fill: Option<f64> = None;
    let mut output: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "input" => input = Some(parser.value()?.into()),
            "weights" => weights = parse_value(parser, &name, parse_weights)?,
            "ahp-method" => {
                method = parse_value(parser, &name, |t| match t {
                    "eigenvector" => Ok(AhpMethodArg::Eigenvector),
                    "geometric-mean" => Ok(AhpMethodArg::GeometricMean),
                    "column-normalised" | "column-normalized" => Ok(AhpMethodArg::ColumnNormalised),
                    _ => Err("expected eigenvector, geometric-mean or column-normalised".into()),
                })?
            }
            "accept-inconsistent" => accept_inconsistent = true,
            "missing" => {
                missing = parse_value(parser, &name, |t| match t {
                    "error" => Ok(MissingPolicy::Error),
                    "drop" => Ok(MissingPolicy::DropAndRenormalise),
                    _ => Err("expected error or drop".into()),
                })?
            }
            "fill" => {
                fill = Some(parse_value(parser, &name, |t| {
                    t.parse::<f64>()
                        .map_err(|_| "expected a number in [0, 1]".to_owned())
                })?)
            }
            "exact" => exact = true,
            "output" => output = Some(parser.value()?.into()),
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = input.ok_or_else(|| Failure::Usage("missing --input FILE".into()))?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let (customers, names) = read_indicators(&path)?;
    let normaliser = match fill {
        Some(z) => Normaliser::with_fill(z).map_err(|e| Failure::Usage(e.to_string()))?,
        None => Normaliser::new(),
    };

    let weights = match weights {
        WeightsArg::Equal => Weights::normalise([1.0; 9]).map_err(data)?,
        WeightsArg::Leaves(w) => {
            let leaves: [f64; 9] = w.try_into().map_err(|w: Vec<f64>| {
                Failure::Usage(format!("--weights needs nine numbers, got {}", w.len()))
            })?;
            Weights::new(leaves).map_err(|e| Failure::Usage(e.to_string()))?
        }
        WeightsArg::Ahp(file) => {
            let levels = read_ahp(&file, method, accept_inconsistent)?;
            for (level, r) in ["top", "a1", "a2", "a3"].iter().zip(&levels) {
                eprintln!(
                    "customer-value: ahp {level}: weights {:?}, lambda_max {:.4}, CI {:.4}, CR {:.4}",
                    r.weights()
                        .iter()
                        .map(|w| format!("{w:.4}"))
                        .collect::<Vec<_>>(),
                    r.lambda_max(),
                    r.ci(),
                    r.cr()
                );
            }
            Weights::from_ahp(&levels[0], &levels[1], &levels[2], &levels[3])
                .map_err(|e| Failure::Usage(e.to_string()))?
        }
        WeightsArg::Entropy => {
            let fitted = normaliser.fit(&customers).map_err(data)?;
            let rows: Vec<[f64; 9]> = customers
                .iter()
                .filter_map(|c| fitted.complete(c).ok())
                .collect();
            let entropy = EntropyWeights::new(&rows).map_err(data)?;
            eprintln!(
                "customer-value: entropy weights from the {} customers with every indicator",
                rows.len()
            );
            Weights::from_entropy(&entropy).map_err(data)?
        }
    };
    eprintln!(
        "customer-value: leaf weights {}",
        Indicator::ALL
            .iter()
            .map(|&i| format!("{} {:.4}", i.code(), weights.get(i)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let index = LoyaltyModel::new(weights, missing)
        .normaliser(normaliser)
        .fit(&customers)
        .map_err(data)?;
    let scores = index.score_all(&customers).map_err(data)?;
    let dick_basu = DickBasu::default();
    let fmt = Format::new(exact);
    write_csv(
        output.as_deref(),
        &["customer_id", "index", "a1", "a2", "a3", "dick_basu"],
        |csv| {
            for (c, s) in customers.iter().zip(&scores) {
                let class = dick_basu
                    .classify_score(s)
                    .map_or(String::new(), |d| d.to_string());
                csv.row([
                    names.customer_label(c.customer()).as_ref(),
                    &fmt.figure(s.index()),
                    &fmt.opt_figure(s.a1()),
                    &fmt.opt_figure(s.a2()),
                    &fmt.opt_figure(s.a3()),
                    &class,
                ])?;
            }
            Ok(())
        },
    )
}

/// Rows of the indicators file; ids interned when not all numeric.
fn read_indicators(path: &Path) -> Result<(Vec<IndicatorValues>, Interner), Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let id_at = crate::args::required_column(&header, "customer_id", path, "loyalty")?;
    let columns: Vec<(Indicator, usize)> = Indicator::ALL
        .iter()
        .filter_map(|&i| header.iter().position(|h| h == i.code()).map(|at| (i, at)))
        .collect();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    let numeric = records.iter().all(|r| {
        r.get(id_at)
            .is_some_and(|id| id.trim().parse::<u64>().is_ok())
    });
    let mut names = Interner::new();
    let mut out = Vec::with_capacity(records.len());
    // The line each customer was first seen on.
    let mut first_line: std::collections::HashMap<CustomerId, u64> =
        std::collections::HashMap::with_capacity(records.len());
    for (row, record) in records.iter().enumerate() {
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let id_text = record.get(id_at).unwrap_or("").trim();
        let id = if numeric {
            CustomerId::new(id_text.parse().unwrap_or(0))
        } else {
            CustomerId::new(u64::from(
                names.try_intern(id_text).map_err(|e| bad(e.to_string()))?,
            ))
        };
        if let Some(first) = first_line.insert(id, line) {
            return Err(bad(format!(
                "customer {id_text:?} appears again (first on line {first}); \
                 each customer has one row"
            )));
        }
        let mut values = [None; 9];
        for &(indicator, at) in &columns {
            let cell = record.get(at).unwrap_or("").trim();
            if !cell.is_empty() {
                let x: f64 = cell
                    .parse()
                    .map_err(|_| bad(format!("{}: not a number: {cell:?}", indicator.code())))?;
                values[indicator.index()] = Some(x);
            }
        }
        out.push(IndicatorValues::new(id, values).map_err(|e| bad(e.to_string()))?);
    }
    Ok((out, names))
}

fn read_ahp(
    path: &PathBuf,
    method: AhpMethodArg,
    accept_inconsistent: bool,
) -> Result<Vec<AhpResult>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Data(format!("cannot read {}: {e}", path.display())))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    ["top", "a1", "a2", "a3"]
        .iter()
        .map(|level| {
            let bad = |what: String| Failure::Data(format!("{}: {level}: {what}", path.display()));
            let matrix: Vec<Vec<f64>> = serde_json::from_value(
                json.get(level)
                    .cloned()
                    .ok_or_else(|| bad("missing matrix".into()))?,
            )
            .map_err(|e| bad(e.to_string()))?;
            let ahp = Ahp::new(&matrix)
                .map_err(|e| bad(e.to_string()))?
                .accept_inconsistent(accept_inconsistent);
            match method {
                AhpMethodArg::Eigenvector => ahp.eigenvector(),
                AhpMethodArg::GeometricMean => ahp.geometric_mean(),
                AhpMethodArg::ColumnNormalised => ahp.column_normalised(),
            }
            .map_err(|e| bad(e.to_string()))
        })
        .collect()
}

fn parse_weights(text: &str) -> Result<WeightsArg, String> {
    match text {
        "equal" => Ok(WeightsArg::Equal),
        "entropy" => Ok(WeightsArg::Entropy),
        _ => match text.strip_prefix("ahp:") {
            Some(file) => Ok(WeightsArg::Ahp(file.into())),
            None => text
                .split(',')
                .map(|t| {
                    t.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("not a number: {t:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(WeightsArg::Leaves),
        },
    }
}
