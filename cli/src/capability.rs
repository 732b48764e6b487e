//! `customer-value capability`: the CRM capability scorecard (customer
//! insight, customer creation, customer relationship) per unit.

use std::path::{Path, PathBuf};

use customer_value::capability::{
    Bounds, CapabilityModel, CapabilityWeights, Group, Measurements, Normalisation, Scorecard,
    Weighting,
};
use customer_value::loyalty::{Ahp, AhpResult};

use crate::Failure;
use crate::args::{option_name, parse_f64_in, parse_value};
use crate::output::{Format, write_csv, write_text};

const USAGE: &str = "\
customer-value capability: the CRM capability scorecard per unit (firm, business unit, year):
the composite and the three group sub-scores on 0-100, as CSV on stdout, with the weights on
stderr

Usage: customer-value capability --measurements UNITS.csv [OPTIONS]

The file has a header: unit and one column per indicator of the table (no other column);
one row per unit. The standard table's indicators, by group:
  customer_insight: feedback_speed, knowledge_depth, analysis_speed, analysis_accuracy,
    gold_share_growth
  customer_creation: development_speed, customisation_breadth, lead_time (lower is better),
    cost (lower is better), service_level, delivery_speed, delivery_flexibility,
    channel_diversity, ease_of_use, brand_management
  customer_relationship: effect_per_investment, response_lead_time (lower is better),
    churn_speed (lower is better), complaint_resolution_time (lower is better)
      --measurements FILE      the units' measurements (CSV)
      --scorecard FILE         another table, as JSON: a list of {\"key\", \"name\", \"group\"
                               (customer_insight, customer_creation or customer_relationship),
                               \"direction\" (higher_is_better or lower_is_better)}
      --equal                  equal weights: 1/3 per group, equal within each (the default)
      --ahp FILE               AHP weights from a JSON object of pairwise comparison matrices:
                               {\"groups\": 3x3, \"customer_insight\": .., \"customer_creation\": ..,
                               \"customer_relationship\": ..} (eigenvector method; each must have
                               CR < 0.10 unless --accept-inconsistent)
      --accept-inconsistent    use AHP weights even when a matrix's CR >= 0.10
      --entropy                entropy weights of the normalised measurements over the units
      --bounds FILE            fixed scales instead of min-max over the units: a CSV
                               indicator,worst,best with one row per indicator
      --fill F                 min-max score (0 to 1) of an indicator equal for every unit
                               (default: that is an error)
      --exact                  every digit (default: 6 significant digits)
  -o, --output FILE            write the CSV to FILE instead of stdout
      --report FILE            write the weights to FILE instead of stderr
  -h, --help                   print this help

Each measurement is normalised to [0, 1] (min-max over the units, or (x - worst)/(best - worst)
clipped with --bounds; reversed for lower-is-better indicators). The composite is 100 x the
sum of global weight x score; a group's sub-score is 100 x the sum over its indicators of
within-group weight x score.
Output columns: unit,composite,customer_insight,customer_creation,customer_relationship

Examples:
  customer-value capability --measurements units.csv
  customer-value capability --measurements units.csv --entropy --fill 0.5 -o capability.csv
  customer-value capability --measurements units.csv --ahp capability_ahp.json --bounds bounds.csv
";

enum WeightsArg {
    Equal,
    Ahp(PathBuf),
    Entropy,
}

const GROUP_NAMES: [&str; 3] = [
    "customer_insight",
    "customer_creation",
    "customer_relationship",
];

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut measurements: Option<PathBuf> = None;
    let mut scorecard: Option<PathBuf> = None;
    let mut weights: Option<WeightsArg> = None;
    let mut accept_inconsistent = false;
    let mut bounds: Option<PathBuf> = None;
    let mut fill: Option<f64> = None;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        let chosen = match name.as_str() {
            "equal" => Some(WeightsArg::Equal),
            "entropy" => Some(WeightsArg::Entropy),
            "ahp" => Some(WeightsArg::Ahp(parser.value()?.into())),
            _ => None,
        };
        if let Some(w) = chosen {
            if weights.is_some() {
                return Err(Failure::Usage(
                    "give one of --equal, --ahp FILE and --entropy".into(),
                ));
            }
            weights = Some(w);
            continue;
        }
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "measurements" | "input" => measurements = Some(parser.value()?.into()),
            "scorecard" => scorecard = Some(parser.value()?.into()),
            "accept-inconsistent" => accept_inconsistent = true,
            "bounds" => bounds = Some(parser.value()?.into()),
            "fill" => fill = Some(parse_value(parser, &name, |t| parse_f64_in(t, 0.0, 1.0))?),
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = measurements.ok_or_else(|| Failure::Usage("missing --measurements FILE".into()))?;
    if bounds.is_some() && fill.is_some() {
        return Err(Failure::Usage(
            "--fill is for min-max scores; --bounds never needs it".into(),
        ));
    }
    let card = match &scorecard {
        None => Scorecard::standard(),
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Failure::Data(format!("cannot open {}: {e}", file.display())))?;
            serde_json::from_str::<Scorecard>(&text)
                .map_err(|e| Failure::Data(format!("{}: {e}", file.display())))?
        }
    };
    let units = read_units(&path, &card)?;
    let normalisation = match &bounds {
        None => Normalisation::MinMax { fill },
        Some(file) => Normalisation::Bounds(read_bounds(file, &card)?),
    };
    let weighting = match weights.unwrap_or(WeightsArg::Equal) {
        WeightsArg::Equal => Weighting::Given(CapabilityWeights::equal(&card)),
        WeightsArg::Entropy => Weighting::Entropy,
        WeightsArg::Ahp(file) => {
            let levels = read_ahp(&file, accept_inconsistent)?;
            let w = CapabilityWeights::from_ahp(
                &card,
                &levels[0],
                [&levels[1], &levels[2], &levels[3]],
            )
            .map_err(|e| Failure::Data(format!("{}: {e}", file.display())))?;
            Weighting::Given(w)
        }
    };
    let model = CapabilityModel::new(card, normalisation, weighting);
    let scores = model
        .score(&units)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;

    let fmt = Format::new(exact);
    let mut header = vec!["unit", "composite"];
    header.extend(GROUP_NAMES);
    write_csv(output.as_deref(), &header, |csv| {
        for u in &scores.units {
            csv.text(&u.unit)?.figure(fmt, u.composite)?;
            for g in u.groups {
                csv.figure(fmt, g)?;
            }
            csv.end()?;
        }
        Ok(())
    })?;

    let card = model.scorecard();
    let global = scores.weights.global(card);
    let mut text = format!("{} units, {} indicators\n", scores.units.len(), card.len());
    text.push_str(&format!(
        "{:<28} {:<22} {:>10} {:>10}\n",
        "indicator", "group", "within", "global"
    ));
    for (i, def) in card.indicators().iter().enumerate() {
        text.push_str(&format!(
            "{:<28} {:<22} {:>10} {:>10}\n",
            def.key,
            GROUP_NAMES[def.group.index()],
            fmt.figure(scores.weights.within()[i]),
            fmt.figure(global[i])
        ));
    }
    let gw = scores.weights.group();
    text.push_str(&format!(
        "group weights: {}\n",
        Group::ALL
            .iter()
            .map(|g| format!("{} {}", GROUP_NAMES[g.index()], fmt.figure(gw[g.index()])))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

/// The units' rows: a `unit` column and exactly the table's indicators.
fn read_units(path: &Path, card: &Scorecard) -> Result<Vec<Measurements>, Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let head = |message: String| Failure::Data(format!("{}: line 1: {message}", path.display()));
    let unit_at = crate::args::required_column(&header, "unit", path, "capability")?;
    let mut at = Vec::with_capacity(card.len());
    for def in card.indicators() {
        at.push(
            header
                .iter()
                .position(|h| *h == def.key)
                .ok_or_else(|| head(format!("missing indicator column {:?}", def.key)))?,
        );
    }
    if let Some(extra) = header
        .iter()
        .find(|h| *h != "unit" && card.position(h).is_none())
    {
        return Err(head(format!(
            "column {extra:?} is not an indicator of the table"
        )));
    }
    let mut units: Vec<Measurements> = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let unit = record.get(unit_at).unwrap_or("").trim().to_owned();
        if unit.is_empty() {
            return Err(bad("empty unit".into()));
        }
        if units.iter().any(|u| u.unit == unit) {
            return Err(bad(format!(
                "unit {unit:?} appears again; each unit has one row"
            )));
        }
        let mut values = Vec::with_capacity(at.len());
        for (def, &i) in card.indicators().iter().zip(&at) {
            let cell = record.get(i).unwrap_or("").trim();
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() => values.push(x),
                _ => return Err(bad(format!("{}: {cell:?} is not a number", def.key))),
            }
        }
        units.push(Measurements::new(unit, values));
    }
    if units.is_empty() {
        return Err(Failure::Data(format!(
            "{}: no unit to score",
            path.display()
        )));
    }
    Ok(units)
}

/// `indicator,worst,best`, one row per indicator of the table.
fn read_bounds(path: &Path, card: &Scorecard) -> Result<Vec<Bounds>, Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let col = |name: &str| crate::args::required_column(&header, name, path, "capability");
    let (key_at, worst_at, best_at) = (col("indicator")?, col("worst")?, col("best")?);
    let mut out: Vec<Option<Bounds>> = vec![None; card.len()];
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let key = record.get(key_at).unwrap_or("").trim();
        let i = card
            .position(key)
            .ok_or_else(|| bad(format!("{key:?} is not an indicator of the table")))?;
        let number = |at: usize, what: &str| {
            let cell = record.get(at).unwrap_or("").trim();
            cell.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{what}: {cell:?} is not a number")))
        };
        let b = Bounds {
            worst: number(worst_at, "worst")?,
            best: number(best_at, "best")?,
        };
        if b.worst == b.best {
            return Err(bad(format!("{key}: worst and best are equal")));
        }
        if out[i].replace(b).is_some() {
            return Err(bad(format!("{key} appears again")));
        }
    }
    card.indicators()
        .iter()
        .zip(out)
        .map(|(def, b)| {
            b.ok_or_else(|| {
                Failure::Data(format!("{}: no bounds for {:?}", path.display(), def.key))
            })
        })
        .collect()
}

fn read_ahp(path: &Path, accept_inconsistent: bool) -> Result<Vec<AhpResult>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Data(format!("cannot read {}: {e}", path.display())))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    ["groups", GROUP_NAMES[0], GROUP_NAMES[1], GROUP_NAMES[2]]
        .iter()
        .map(|level| {
            let bad = |what: String| Failure::Data(format!("{}: {level}: {what}", path.display()));
            let matrix: Vec<Vec<f64>> = serde_json::from_value(
                json.get(level)
                    .cloned()
                    .ok_or_else(|| bad("missing matrix".into()))?,
            )
            .map_err(|e| bad(e.to_string()))?;
            Ahp::new(&matrix)
                .map_err(|e| bad(e.to_string()))?
                .accept_inconsistent(accept_inconsistent)
                .eigenvector()
                .map_err(|e| bad(e.to_string()))
        })
        .collect()
}
