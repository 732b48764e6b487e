//! `customer-value identify`: customer-record quality (completeness,
//! staleness, key-field coverage) and duplicate candidates. Prints
//! customer ids and field names only, never the records' values.

use std::path::{Path, PathBuf};

use customer_value::identify::{
    CustomerRecord, Field, MatchFields, QualitySettings, duplicate_candidates, quality_report,
};
use customer_value::{CustomerId, Date, Interner};

use crate::Failure;
use crate::args::{option_name, parse_date, parse_value};
use crate::output::{Format, percent, write_csv, write_text};

const USAGE: &str = "\
customer-value identify: the quality of customer records (completeness per customer and per
field, key-field coverage, staleness) as CSV on stdout with the report on stderr, and duplicate
candidates by normalised e-mail, phone and name; only ids and field names are printed

Usage: customer-value identify --records RECORDS.csv --as-of DATE [OPTIONS]

The file has a header: customer_id, optionally last_update and last_purchase (YYYY-MM-DD,
empty when unknown), and the record's fields (every other column). An empty cell is a
missing value.
      --records FILE           the customer records (CSV)
      --as-of DATE             the report date; no date may be later
      --max-update-age DAYS    a record not updated for more days is stale (default 365)
      --max-purchase-age DAYS  a customer who has not bought for more days is stale (default 365)
      --key-fields A,B         the fields every record must have (default: none)
      --email-field NAME       the e-mail field for duplicates (default: email, if present)
      --phone-field NAME       the phone field (default: phone, if present)
      --name-field NAME        the name field (default: name, if present)
      --phone-digits N         trailing digits compared for phones (default 9)
      --duplicates FILE        write the duplicate candidates customer_a,customer_b,reason
      --exact                  every digit (default: 6 significant digits)
  -o, --output FILE            write the per-customer CSV to FILE instead of stdout
      --report FILE            write the report to FILE instead of stderr
  -h, --help                   print this help

A missing date counts as stale. E-mails are compared trimmed and lower-cased, phones by their
last digits, names by their lower-cased words in order.
Output columns: customer_id,completeness,missing_key,stale_update,stale_purchase
(completeness = share of the fields filled; the flags are 1 or 0).

Examples:
  customer-value identify --records records.csv --as-of 2024-12-31
  customer-value identify --records records.csv --as-of 2024-12-31 --key-fields email --max-update-age 180 --duplicates duplicates.csv
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut records: Option<PathBuf> = None;
    let mut as_of: Option<Date> = None;
    let mut max_update = 365u32;
    let mut max_purchase = 365u32;
    let mut key_fields: Vec<String> = Vec::new();
    let mut match_names: [Option<String>; 3] = [None, None, None];
    let mut phone_digits = 9usize;
    let mut duplicates: Option<PathBuf> = None;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut exact = false;
    let days = |t: &str| {
        t.trim()
            .parse::<u32>()
            .map_err(|_| "expected a whole number of days".to_owned())
    };
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "records" | "input" => records = Some(parser.value()?.into()),
            "as-of" => as_of = Some(parse_value(parser, &name, parse_date)?),
            "max-update-age" => max_update = parse_value(parser, &name, days)?,
            "max-purchase-age" => max_purchase = parse_value(parser, &name, days)?,
            "key-fields" => {
                key_fields = parse_value(parser, &name, |t| {
                    Ok(t.split(',').map(|s| s.trim().to_owned()).collect())
                })?
            }
            "email-field" => {
                match_names[0] = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?)
            }
            "phone-field" => {
                match_names[1] = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?)
            }
            "name-field" => {
                match_names[2] = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?)
            }
            "phone-digits" => {
                phone_digits = parse_value(parser, &name, |t| match t.trim().parse::<usize>() {
                    Ok(n) if (1..=20).contains(&n) => Ok(n),
                    _ => Err("expected a whole number from 1 to 20".into()),
                })?
            }
            "duplicates" => duplicates = Some(parser.value()?.into()),
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = records.ok_or_else(|| Failure::Usage("missing --records FILE".into()))?;
    let as_of = as_of.ok_or_else(|| Failure::Usage("missing --as-of DATE".into()))?;
    let (field_names, rows, names) = read_records(&path)?;
    for k in &key_fields {
        if !field_names.contains(k) {
            return Err(Failure::Usage(format!(
                "--key-fields: {k:?} is not a field of {}",
                path.display()
            )));
        }
    }
    let position =
        |given: &Option<String>, default: &str, option: &str| -> Result<Option<usize>, Failure> {
            match given {
                Some(n) => field_names
                    .iter()
                    .position(|f| f == n)
                    .map(Some)
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "--{option} {n:?}: not a field of {}",
                            path.display()
                        ))
                    }),
                None => Ok(field_names.iter().position(|f| f == default)),
            }
        };
    let match_fields = MatchFields {
        email: position(&match_names[0], "email", "email-field")?,
        phone: position(&match_names[1], "phone", "phone-field")?,
        name: position(&match_names[2], "name", "name-field")?,
        phone_digits,
        fuzzy_name: None,
    };
    let fields: Vec<Field> = field_names
        .iter()
        .map(|f| {
            if key_fields.contains(f) {
                Field::key(f.clone())
            } else {
                Field::new(f.clone())
            }
        })
        .collect();
    let settings = QualitySettings {
        as_of,
        max_update_age_days: max_update,
        max_purchase_age_days: max_purchase,
    };
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let quality = quality_report(&fields, &rows, &settings).map_err(data)?;
    let pairs = duplicate_candidates(&rows, &match_fields).map_err(data)?;

    let fmt = Format::new(exact);
    let flag = |list: &[CustomerId], id: CustomerId| {
        if list.binary_search(&id).is_ok() {
            "1"
        } else {
            "0"
        }
    };
    let sorted = |v: &[CustomerId]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    let (missing_key, stale_update, stale_purchase) = (
        sorted(&quality.missing_key),
        sorted(&quality.stale_update),
        sorted(&quality.stale_purchase),
    );
    if let Some(file) = &duplicates {
        write_csv(Some(file), &["customer_a", "customer_b", "reason"], |csv| {
            for p in &pairs {
                let reason = match p.reason {
                    customer_value::identify::MatchReason::Email => "email",
                    customer_value::identify::MatchReason::Phone => "phone",
                    customer_value::identify::MatchReason::Name => "name",
                    customer_value::identify::MatchReason::FuzzyName => "fuzzy_name",
                };
                csv.text(names.customer_label(p.a).as_ref())?
                    .text(names.customer_label(p.b).as_ref())?
                    .text(reason)?
                    .end()?;
            }
            Ok(())
        })?;
    }
    write_csv(
        output.as_deref(),
        &[
            "customer_id",
            "completeness",
            "missing_key",
            "stale_update",
            "stale_purchase",
        ],
        |csv| {
            for (id, share) in &quality.completeness {
                csv.text(names.customer_label(*id).as_ref())?
                    .figure(fmt, *share)?
                    .text(flag(&missing_key, *id))?
                    .text(flag(&stale_update, *id))?
                    .text(flag(&stale_purchase, *id))?
                    .end()?;
            }
            Ok(())
        },
    )?;

    let n = quality.records;
    let share = |k: usize| percent(k as f64 / n as f64);
    let mut text = format!(
        "{n} records, {} fields; mean completeness {}; key fields complete in {}\n",
        fields.len(),
        percent(quality.mean_completeness),
        percent(quality.key_coverage)
    );
    text.push_str(&format!(
        "{:<24} {:>4} {:>10} {:>8}\n",
        "field", "key", "filled", "share"
    ));
    for f in &quality.fields {
        text.push_str(&format!(
            "{:<24} {:>4} {:>10} {:>8}\n",
            f.name,
            if f.key { "yes" } else { "" },
            f.filled,
            percent(f.share)
        ));
    }
    text.push_str(&format!(
        "stale: {} not updated within {max_update} days ({}), {} without a purchase within {max_purchase} days ({})\n\
         duplicate candidates: {} pairs\n",
        quality.stale_update.len(),
        share(quality.stale_update.len()),
        quality.stale_purchase.len(),
        share(quality.stale_purchase.len()),
        pairs.len()
    ));
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

type Records = (Vec<String>, Vec<CustomerRecord>, Interner);

fn read_records(path: &Path) -> Result<Records, Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let find = |name: &str| header.iter().position(|h| h == name);
    let id_at = crate::args::required_column(&header, "customer_id", path, "identify")?;
    let (update_at, purchase_at) = (find("last_update"), find("last_purchase"));
    let field_at: Vec<usize> = (0..header.len())
        .filter(|&i| i != id_at && Some(i) != update_at && Some(i) != purchase_at)
        .collect();
    let field_names: Vec<String> = field_at.iter().map(|&i| header[i].clone()).collect();
    let mut names = Interner::new();
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let cell = |at: usize| record.get(at).unwrap_or("").trim();
        let id_text = cell(id_at);
        if id_text.is_empty() {
            return Err(bad("empty customer_id".into()));
        }
        let id = CustomerId::new(u64::from(
            names.try_intern(id_text).map_err(|e| bad(e.to_string()))?,
        ));
        if let Some(first) = seen.insert(id, line) {
            return Err(bad(format!(
                "customer {id_text:?} appears again (first on line {first}); each customer has one record"
            )));
        }
        let date = |at: Option<usize>, what: &str| -> Result<Option<Date>, Failure> {
            match at.map(cell) {
                None | Some("") => Ok(None),
                Some(t) => Date::parse(t)
                    .map(Some)
                    .map_err(|_| bad(format!("{what}: {t:?} is not a date (YYYY-MM-DD)"))),
            }
        };
        let values = field_at
            .iter()
            .map(|&i| Some(cell(i)).filter(|v| !v.is_empty()).map(str::to_owned))
            .collect();
        let mut r = CustomerRecord::new(id, values);
        if let Some(d) = date(update_at, "last_update")? {
            r = r.updated(d);
        }
        if let Some(d) = date(purchase_at, "last_purchase")? {
            r = r.purchased(d);
        }
        out.push(r);
    }
    Ok((field_names, out, names))
}
