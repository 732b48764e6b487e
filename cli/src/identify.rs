//! `customer-value identify`: customer-record quality (completeness,
//! staleness, key-field coverage) and duplicate candidates. Prints
//! customer ids and field names only, never the records' values.

use std::path::{Path, PathBuf};

use customer_value::identify::{
    CustomerRecord, DuplicateCandidate, Field, MatchFields, MatchReason, MergePlan,
    QualitySettings, duplicate_candidates, email_key, hash_identifier, phone_key, quality_report,
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
      --fuzzy T                also pair names whose Jaro-Winkler similarity is >= T (0 < T <= 1;
                               e.g. 0.92), among names starting with the same two letters
      --merge-log LOG.csv      rewrite a transaction log with each merged customer's id replaced
                               by its group's canonical id (the group's first record in the
                               records file); every row and every other column is kept
      --merge-on REASONS       which candidates are merged: any of email, phone, name,
                               fuzzy_name, comma separated (default: email,phone)
      --merged-log FILE        where the rewritten log goes (required with --merge-log)
      --log-customer-column NAME  the log's customer column (default: customer_id)
      --hashed-keys FILE       write customer_id,email_sha256,phone_sha256: SHA-256 of the salt and
                               the normalised e-mail and phone (empty when missing), to join or
                               share records without the raw values
      --salt-env VAR           the environment variable holding the salt (default
                               CUSTOMER_VALUE_SALT; without it the hashes are unsalted, with a
                               warning: an unsalted e-mail hash can be reversed by guessing)
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
  customer-value identify --records records.csv --as-of 2024-12-31 --merge-log log.csv --merged-log merged.csv
  customer-value identify --records records.csv --as-of 2024-12-31 --fuzzy 0.9 --hashed-keys keys.csv
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
    let mut fuzzy: Option<f64> = None;
    let mut merge_log: Option<PathBuf> = None;
    let mut merged_log: Option<PathBuf> = None;
    let mut merge_on: Vec<MatchReason> = vec![MatchReason::Email, MatchReason::Phone];
    let mut log_column = "customer_id".to_owned();
    let mut hashed_keys: Option<PathBuf> = None;
    let mut salt_env = "CUSTOMER_VALUE_SALT".to_owned();
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
            "fuzzy" => {
                fuzzy = Some(parse_value(parser, &name, |t| {
                    match t.trim().parse::<f64>() {
                        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
                        _ => Err("expected a similarity in (0, 1], e.g. 0.92".into()),
                    }
                })?)
            }
            "merge-log" => merge_log = Some(parser.value()?.into()),
            "merged-log" => merged_log = Some(parser.value()?.into()),
            "merge-on" => merge_on = parse_value(parser, &name, parse_reasons)?,
            "log-customer-column" => {
                log_column = parse_value(parser, &name, |t| Ok(t.trim().to_owned()))?
            }
            "hashed-keys" => hashed_keys = Some(parser.value()?.into()),
            "salt-env" => salt_env = parse_value(parser, &name, |t| Ok(t.to_owned()))?,
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let path = records.ok_or_else(|| Failure::Usage("missing --records FILE".into()))?;
    let as_of = as_of.ok_or_else(|| Failure::Usage("missing --as-of DATE".into()))?;
    if merge_log.is_some() != merged_log.is_some() {
        return Err(Failure::Usage(
            "--merge-log LOG.csv and --merged-log FILE go together".into(),
        ));
    }
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
        fuzzy_name: fuzzy,
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
                csv.text(names.customer_label(p.a).as_ref())?
                    .text(names.customer_label(p.b).as_ref())?
                    .text(reason_name(p.reason))?
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
    if let (Some(log), Some(out)) = (&merge_log, &merged_log) {
        let confirmed: Vec<DuplicateCandidate> = pairs
            .iter()
            .filter(|p| merge_on.contains(&p.reason))
            .copied()
            .collect();
        let plan = MergePlan::new(&confirmed);
        let (rows, changed) = rewrite_log(log, out, &log_column, &plan, &names)?;
        text.push_str(&format!(
            "merge: {} ids merged into {} customers on {}; {}: {rows} rows written, {changed} with a new customer id\n",
            plan.remapped().len(),
            plan.groups().len(),
            merge_on.iter().map(|r| reason_name(*r)).collect::<Vec<_>>().join(","),
            out.display()
        ));
    }
    if let Some(file) = &hashed_keys {
        let salt = std::env::var(&salt_env).unwrap_or_default();
        if salt.is_empty() {
            eprintln!(
                "customer-value: warning: ${salt_env} is not set, so the hashes are unsalted and an e-mail's hash can be found by hashing guesses"
            );
        }
        fn value(r: &CustomerRecord, at: Option<usize>) -> Option<&str> {
            at.and_then(|i| r.values.get(i)?.as_deref())
        }
        write_csv(
            Some(file),
            &["customer_id", "email_sha256", "phone_sha256"],
            |csv| {
                for r in &rows {
                    let email = value(r, match_fields.email).and_then(email_key);
                    let phone =
                        value(r, match_fields.phone).and_then(|p| phone_key(p, phone_digits));
                    let hash = |k: Option<String>| {
                        k.map_or(String::new(), |k| hash_identifier(salt.as_bytes(), &k))
                    };
                    csv.text(names.customer_label(r.customer).as_ref())?
                        .text(hash(email))?
                        .text(hash(phone))?
                        .end()?;
                }
                Ok(())
            },
        )?;
    }
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

fn reason_name(reason: MatchReason) -> &'static str {
    match reason {
        MatchReason::Email => "email",
        MatchReason::Phone => "phone",
        MatchReason::Name => "name",
        MatchReason::FuzzyName => "fuzzy_name",
    }
}

fn parse_reasons(text: &str) -> Result<Vec<MatchReason>, String> {
    text.split(',')
        .map(|r| match r.trim() {
            "email" => Ok(MatchReason::Email),
            "phone" => Ok(MatchReason::Phone),
            "name" => Ok(MatchReason::Name),
            "fuzzy_name" => Ok(MatchReason::FuzzyName),
            other => Err(format!(
                "{other:?} is not one of email, phone, name, fuzzy_name"
            )),
        })
        .collect()
}

/// Copies the log with each merged customer's id replaced by its canonical
/// id's label, every row and every other field kept; written whole to a
/// temporary file first, so a failure leaves no partial output. Returns
/// the rows written and how many changed customer.
fn rewrite_log(
    log: &Path,
    out: &Path,
    column: &str,
    plan: &MergePlan,
    names: &Interner,
) -> Result<(u64, u64), Failure> {
    let (header, mut reader) = crate::args::open_table(log)?;
    let at = crate::args::required_column(&header, column, log, "identify --merge-log")?;
    let mut rows = 0u64;
    let mut changed = 0u64;
    let mut buffer = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut buffer);
        let io = |e: csv::Error| Failure::Data(format!("{}: {e}", out.display()));
        writer.write_record(&header).map_err(io)?;
        for record in reader.records() {
            let record = record.map_err(|e| Failure::Data(format!("{}: {e}", log.display())))?;
            let label = record.get(at).unwrap_or("").trim();
            let canonical = names
                .get(label)
                .map(|i| plan.canonical(CustomerId::new(u64::from(i))))
                .filter(|c| c.get() != names.get(label).map_or(u64::MAX, u64::from));
            match canonical {
                Some(c) => {
                    let new = names.customer_label(c);
                    let fields = record
                        .iter()
                        .enumerate()
                        .map(|(i, f)| if i == at { new.as_ref() } else { f });
                    writer.write_record(fields).map_err(io)?;
                    changed += 1;
                }
                None => writer.write_record(&record).map_err(io)?,
            }
            rows += 1;
        }
        writer
            .flush()
            .map_err(|e| Failure::Data(format!("{}: {e}", out.display())))?;
    }
    crate::output::write_output(Some(out), |w| w.write_all(&buffer))?;
    Ok((rows, changed))
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
