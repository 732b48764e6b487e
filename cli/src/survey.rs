//! `customer-value satisfaction` and `customer-value kano`: survey answers to indices.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use customer_value::satisfaction::{
    Distribution, ItemWeights, KanoAnswer, KanoTally, SatisfactionLevel, Scale, kano_category,
};

use crate::Failure;
use crate::args::{option_name, parse_value};
use crate::output::{Format, write_csv};

const SATISFACTION_USAGE: &str = "\
customer-value satisfaction: per-item satisfaction indices from survey answers, as CSV on stdout

Usage: customer-value satisfaction --input RESPONSES.csv [OPTIONS]

The file has a header; each row is one respondent, each item column one answer.
An empty cell is a missing answer (skipped for that item).
  -i, --input FILE             the responses (CSV)
      --items A,B,C            the item columns (default: every column but --id-column)
      --id-column NAME         a respondent id column to ignore (default: none)
      --answers SCALE          seven (default: 1..7), five (1..5, mapped 1,2,4,6,7) or
                               eleven (0..10, mapped to 1 + round(6x/10))
      --weights W1,W2,..       item weights for the overall score and the 0-100 index
                               (normalised; one per item)
      --exact                  every digit (default: 6 significant digits)
  -o, --output FILE            write the CSV to FILE instead of stdout
  -h, --help                   print this help

Output columns: item,n,mean,sd,top2,bottom2,csi,n1,n2,n3,n4,n5,n6,n7
(sd is the sample standard deviation; csi = (mean - 1) / 6 x 100; top2 and bottom2 = shares,
from 0 to 1, of the answers 6 and 7 and of 1 and 2; n1..n7 = answers per level). Item names
must be unique.
With --weights the overall weighted score (1-7) and its 0-100 index go to stderr.

Examples:
  customer-value satisfaction --input responses.csv --id-column respondent
  customer-value satisfaction --input responses.csv --id-column respondent --weights 2,1,1
";

const KANO_USAGE: &str = "\
customer-value kano: Kano categories and Better/Worse coefficients per attribute, as CSV on stdout

Usage: customer-value kano --input ANSWERS.csv [OPTIONS]

One row per respondent and attribute, answers 1 like, 2 must-be, 3 neutral,
4 live-with, 5 dislike.
  -i, --input FILE               the answers (CSV with a header)
      --attribute-column NAME    default attribute
      --functional-column NAME   default functional
      --dysfunctional-column NAME default dysfunctional
      --exact                    every digit (default: 6 significant digits)
  -o, --output FILE              write the CSV to FILE instead of stdout
  -h, --help                     print this help

Output columns: attribute,n,A,O,M,I,R,Q,category,better,worse
(category = the most frequent, ties M > O > A > I > R > Q; better = (A+O)/(A+O+M+I),
worse = -(O+M)/(A+O+M+I), empty when A+O+M+I = 0).

Examples:
  customer-value kano --input answers.csv
";

#[derive(Clone, Copy)]
enum Answers {
    Seven,
    Five,
    Eleven,
}

fn read_table(path: &Path) -> Result<(Vec<String>, Vec<::csv::StringRecord>), Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    Ok((header, rows))
}

/// The first name that appears twice in `names`.
fn first_duplicate(names: &[String]) -> Option<&String> {
    let mut seen = std::collections::HashSet::new();
    names.iter().find(|n| !seen.insert(n.as_str()))
}

pub fn satisfaction(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input: Option<PathBuf> = None;
    let mut items: Option<Vec<String>> = None;
    let mut id_column: Option<String> = None;
    let mut answers = Answers::Seven;
    let mut weights: Option<Vec<f64>> = None;
    let mut output: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::print_help(SATISFACTION_USAGE),
            "input" => input = Some(parser.value()?.into()),
            "items" => {
                items = Some(parse_value(parser, &name, |t| {
                    Ok(t.split(',').map(|s| s.trim().to_owned()).collect())
                })?)
            }
            "id-column" => id_column = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?),
            "answers" => {
                answers = parse_value(parser, &name, |t| match t {
                    "seven" | "7" => Ok(Answers::Seven),
                    "five" | "5" => Ok(Answers::Five),
                    "eleven" | "11" | "0-10" => Ok(Answers::Eleven),
                    _ => Err("expected seven, five or eleven".into()),
                })?
            }
            "weights" => weights = Some(parse_value(parser, &name, parse_floats)?),
            "exact" => exact = true,
            "output" => output = Some(parser.value()?.into()),
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = input.ok_or_else(|| Failure::Usage("missing --input FILE".into()))?;
    if let Some(item) = items.as_deref().and_then(first_duplicate) {
        return Err(Failure::Usage(format!(
            "--items: duplicate item {item:?}: each item once"
        )));
    }
    let (header, rows) = read_table(&path)?;
    if let Some(column) = first_duplicate(&header) {
        return Err(Failure::Data(format!(
            "{}: line 1: duplicate column {column:?}: each item's answers in one column",
            path.display()
        )));
    }
    let items = match items {
        Some(items) => items,
        None => header
            .iter()
            .filter(|h| Some(h.as_str()) != id_column.as_deref())
            .cloned()
            .collect(),
    };
    let weights = weights
        .map(|w| {
            if w.len() == items.len() {
                ItemWeights::new(&w).map_err(|e| Failure::Usage(e.to_string()))
            } else {
                Err(Failure::Usage(format!(
                    "--weights has {} numbers for {} items",
                    w.len(),
                    items.len()
                )))
            }
        })
        .transpose()?;

    let mut distributions = Vec::with_capacity(items.len());
    for item in &items {
        let at = crate::args::required_column(&header, item, &path, "satisfaction")?;
        let mut distribution = Distribution::new();
        for (row, record) in rows.iter().enumerate() {
            let cell = record.get(at).map(str::trim).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            let bad = |reason: String| {
                Failure::Data(format!(
                    "{}: line {}, column {item}: {reason}",
                    path.display(),
                    record.position().map_or(row as u64 + 2, |p| p.line())
                ))
            };
            let answer: u8 = cell
                .parse()
                .map_err(|_| bad(format!("not a whole number: {cell:?}")))?;
            let level = match answers {
                Answers::Seven => SatisfactionLevel::try_from(answer),
                Answers::Five => SatisfactionLevel::from_five_level(answer),
                Answers::Eleven => SatisfactionLevel::from_eleven_point(answer),
            }
            .map_err(|e| bad(e.to_string()))?;
            distribution.record(level).map_err(|e| bad(e.to_string()))?;
        }
        distributions.push(distribution);
    }

    let data = |item: &str, e: customer_value::Error| {
        Failure::Data(format!("{}: item {item}: {e}", path.display()))
    };
    let fmt = Format::new(exact);
    let mut header = vec!["item", "n", "mean", "sd", "top2", "bottom2", "csi"];
    header.extend(["n1", "n2", "n3", "n4", "n5", "n6", "n7"]);
    write_csv(output.as_deref(), &header, |csv| {
        for (item, d) in items.iter().zip(&distributions) {
            let stat = |r: customer_value::Result<f64>| fmt.opt_figure(r.ok());
            let mut record = vec![
                item.clone(),
                d.n().to_string(),
                stat(d.mean()),
                stat(d.std_dev()),
                stat(d.top_two_box()),
                stat(d.bottom_two_box()),
                stat(d.csi()),
            ];
            record.extend(d.counts().map(|c| c.to_string()));
            csv.row(&record)?;
        }
        Ok(())
    })?;
    if let Some(weights) = weights {
        let means = items
            .iter()
            .zip(&distributions)
            .map(|(item, d)| d.mean().map_err(|e| data(item, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let overall = weights
            .overall(&means)
            .map_err(|e| Failure::Data(e.to_string()))?;
        let index = weights
            .index(&means, Scale::SEVEN_LEVEL)
            .map_err(|e| Failure::Data(e.to_string()))?;
        eprintln!(
            "customer-value: {} respondents; overall score {} (1-7), index {} (0-100)",
            rows.len(),
            fmt.figure(overall),
            fmt.figure(index)
        );
    }
    Ok(())
}

pub fn kano(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input: Option<PathBuf> = None;
    let mut attribute = "attribute".to_owned();
    let mut functional = "functional".to_owned();
    let mut dysfunctional = "dysfunctional".to_owned();
    let mut output: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        let text = |p: &mut lexopt::Parser| parse_value(p, &name, |t| Ok(t.to_owned()));
        match name.as_str() {
            "help" => return crate::print_help(KANO_USAGE),
            "input" => input = Some(parser.value()?.into()),
            "attribute-column" => attribute = text(parser)?,
            "functional-column" => functional = text(parser)?,
            "dysfunctional-column" => dysfunctional = text(parser)?,
            "exact" => exact = true,
            "output" => output = Some(parser.value()?.into()),
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = input.ok_or_else(|| Failure::Usage("missing --input FILE".into()))?;
    let (header, rows) = read_table(&path)?;
    let [a, f, d] = [&attribute, &functional, &dysfunctional]
        .map(|c| crate::args::required_column(&header, c, &path, "kano"));
    let (a, f, d) = (a?, f?, d?);
    // Attributes in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut tallies: BTreeMap<String, KanoTally> = BTreeMap::new();
    for (row, record) in rows.iter().enumerate() {
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let answer = |at: usize, name: &str| -> Result<KanoAnswer, Failure> {
            let cell = record.get(at).map(str::trim).unwrap_or("");
            cell.parse::<u8>()
                .ok()
                .and_then(KanoAnswer::from_u8)
                .ok_or_else(|| {
                    Failure::Data(format!(
                        "{}: line {line}, column {name}: expected an answer 1..5, got {cell:?}",
                        path.display()
                    ))
                })
        };
        let category = kano_category(answer(f, &functional)?, answer(d, &dysfunctional)?);
        let key = record.get(a).map(str::trim).unwrap_or("").to_owned();
        if !tallies.contains_key(&key) {
            order.push(key.clone());
        }
        tallies
            .entry(key)
            .or_default()
            .record(category)
            .map_err(|e| Failure::Data(e.to_string()))?;
    }
    let fmt = Format::new(exact);
    let header = [
        "attribute",
        "n",
        "A",
        "O",
        "M",
        "I",
        "R",
        "Q",
        "category",
        "better",
        "worse",
    ];
    write_csv(output.as_deref(), &header, |csv| {
        for key in &order {
            let Some(t) = tallies.get(key) else { continue };
            let count = |letter: char| {
                customer_value::satisfaction::KanoCategory::ALL
                    .iter()
                    .find(|c| c.letter() == letter)
                    .map_or(0, |&c| t.count(c))
                    .to_string()
            };
            let category = t
                .category()
                .map_or(String::new(), |c| c.english().to_owned());
            let coef = |r: customer_value::Result<f64>| fmt.opt_figure(r.ok());
            csv.row([
                key.clone(),
                t.n().to_string(),
                count('A'),
                count('O'),
                count('M'),
                count('I'),
                count('R'),
                count('Q'),
                category,
                coef(t.better()),
                coef(t.worse()),
            ])?;
        }
        Ok(())
    })
}

fn parse_floats(text: &str) -> Result<Vec<f64>, String> {
    text.split(',')
        .map(|t| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("not a number: {t:?}"))
        })
        .collect()
}
