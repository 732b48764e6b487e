//! `customer-value ladder`: the loyalty ladder (purchaser, customer,
//! supporter, advocate, partner) per customer, and the migration between
//! two dates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use customer_value::ladder::{Behaviour, LadderRules, Migration, Rung, Thresholds, Trait};
use customer_value::{CustomerId, Interner, Scored};

use crate::Failure;
use crate::args::{option_name, parse_value};
use crate::output::{percent, write_csv, write_text};

const USAGE: &str = "\
customer-value ladder: the loyalty-ladder rung of each customer from behaviour counts, as CSV
on stdout, with the customers per rung on stderr; or, with --before and --after, the migration
between two dates

Usage: customer-value ladder --behaviour BEHAVIOUR.csv [OPTIONS]
       customer-value ladder --before EARLIER.csv --after LATER.csv [OPTIONS]

A behaviour file has a header and one row per customer: customer_id,purchases and any of
active_periods,periods,categories,referrals,offers_declined,failures_tolerated (whole numbers;
a missing column counts 0, an empty cell is an error) and partner (0/1, true/false or yes/no).
      --behaviour FILE             the behaviour over one observation window
      --before FILE                the behaviour over an earlier window (with --after)
      --after FILE                 the behaviour over a later window (with --before)
      --rules FILE                 the rules as JSON: {\"thresholds\": {..}, \"customer\": {..},
                                   \"supporter\": {..}, \"advocate\": {..}, \"partner\": {..}}, each
                                   rung {\"all_of\": [traits], \"any_of\": [traits], \"min_any\": n}
                                   (default: customer = repeat_purchase; supporter = cross_buying
                                   and one of competitor_resistance, failure_tolerance;
                                   advocate = referral; partner = partnership)
      --min-purchases N            purchases for repeat_purchase (default 2, at least 2)
      --min-active-periods N       active periods also needed for repeat_purchase (default 0: off)
      --min-categories N           categories for cross_buying (default 2, at least 2)
      --min-referrals N            referrals for referral (default 1)
      --min-offers-declined N      declined competitors' offers for competitor_resistance (default 1)
      --min-failures-tolerated N   tolerated service failures for failure_tolerance (default 1)
  -o, --output FILE                write the CSV to FILE instead of stdout
      --report FILE                write the report to FILE instead of stderr
  -h, --help                       print this help

A customer with no purchase is a prospect, with one a purchaser, and climbs each further rung
whose requirement the traits meet, stopping at the first one they do not (rungs are never
skipped). The threshold options override those of --rules.
Output columns: customer_id,rung,traits (the traits shown, separated by spaces).
With --before and --after: from,prospect,purchaser,customer,supporter,advocate,partner,total
(customers on rung `from` at the earlier date by rung at the later date; a customer in one
file only is a prospect at the other date).

Examples:
  customer-value ladder --behaviour behaviour.csv
  customer-value ladder --behaviour behaviour.csv --min-purchases 3 --rules ladder.json -o rungs.csv
  customer-value ladder --before behaviour.csv --after behaviour_later.csv
";

const TRAIT_NAMES: [(Trait, &str); 6] = [
    (Trait::RepeatPurchase, "repeat_purchase"),
    (Trait::CrossBuying, "cross_buying"),
    (Trait::Referral, "referral"),
    (Trait::CompetitorResistance, "competitor_resistance"),
    (Trait::FailureTolerance, "failure_tolerance"),
    (Trait::Partnership, "partnership"),
];

type SetThreshold = fn(Thresholds, u32) -> customer_value::Result<Thresholds>;

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut behaviour: Option<PathBuf> = None;
    let mut before: Option<PathBuf> = None;
    let mut after: Option<PathBuf> = None;
    let mut rules_path: Option<PathBuf> = None;
    let mut overrides: Vec<(String, SetThreshold, u32)> = Vec::new();
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        let setter: Option<SetThreshold> = match name.as_str() {
            "min-purchases" => Some(Thresholds::min_purchases),
            "min-active-periods" => Some(|t, n| Ok(t.min_active_periods(n))),
            "min-categories" => Some(Thresholds::min_categories),
            "min-referrals" => Some(Thresholds::min_referrals),
            "min-offers-declined" => Some(Thresholds::min_offers_declined),
            "min-failures-tolerated" => Some(Thresholds::min_failures_tolerated),
            _ => None,
        };
        if let Some(set) = setter {
            let n = parse_value(parser, &name, |t| {
                t.trim()
                    .parse::<u32>()
                    .map_err(|_| "expected a whole number".to_owned())
            })?;
            overrides.push((name, set, n));
            continue;
        }
        match name.as_str() {
            "help" => return crate::print_help(USAGE),
            "behaviour" | "behavior" => behaviour = Some(parser.value()?.into()),
            "before" => before = Some(parser.value()?.into()),
            "after" => after = Some(parser.value()?.into()),
            "rules" => rules_path = Some(parser.value()?.into()),
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        }
    }
    let mut rules = match &rules_path {
        None => LadderRules::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Data(format!("cannot open {}: {e}", path.display())))?;
            serde_json::from_str::<LadderRules>(&text)
                .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?
        }
    };
    let mut thresholds = *rules.thresholds();
    for (name, set, n) in overrides {
        thresholds =
            set(thresholds, n).map_err(|e| Failure::Usage(format!("--{name} {n}: {e}")))?;
    }
    rules = rules.with_thresholds(thresholds);

    let mut names = Interner::new();
    let text = match (behaviour, before, after) {
        (Some(path), None, None) => {
            let rows = read_behaviour(&path, &mut names)?;
            let rungs: Vec<Rung> = rows.iter().map(|b| rules.rung(b)).collect();
            write_csv(
                output.as_deref(),
                &["customer_id", "rung", "traits"],
                |csv| {
                    for (b, rung) in rows.iter().zip(&rungs) {
                        let traits = rules
                            .traits(b)
                            .iter()
                            .map(trait_name)
                            .collect::<Vec<_>>()
                            .join(" ");
                        csv.text(names.customer_label(b.customer()).as_ref())?
                            .text(rung.name())?
                            .text(&traits)?
                            .end()?;
                    }
                    Ok(())
                },
            )?;
            let mut counts = [0u64; Rung::ALL.len()];
            for r in &rungs {
                counts[r.index()] += 1;
            }
            let total = rungs.len();
            let mut text = format!(
                "{total} customers\n{:<12} {:>10} {:>8}\n",
                "rung", "customers", "share"
            );
            for rung in Rung::ALL {
                let n = counts[rung.index()];
                text.push_str(&format!(
                    "{:<12} {:>10} {:>8}\n",
                    rung.name(),
                    n,
                    percent(n as f64 / total as f64)
                ));
            }
            text
        }
        (None, Some(before), Some(after)) => {
            let scored =
                |path: &Path, names: &mut Interner| -> Result<Vec<Scored<Rung>>, Failure> {
                    Ok(read_behaviour(path, names)?
                        .iter()
                        .map(|b| Scored {
                            customer: b.customer(),
                            score: rules.rung(b),
                        })
                        .collect())
                };
            let earlier = scored(&before, &mut names)?;
            let later = scored(&after, &mut names)?;
            let migration =
                Migration::between(&earlier, &later).map_err(|e| Failure::Data(e.to_string()))?;
            let mut header = vec!["from"];
            header.extend(Rung::ALL.iter().map(|r| r.name()));
            header.push("total");
            write_csv(output.as_deref(), &header, |csv| {
                for (from, row) in Rung::ALL.iter().zip(migration.counts()) {
                    csv.text(from.name())?;
                    for c in row {
                        csv.show(c)?;
                    }
                    csv.show(row.iter().sum::<u64>())?.end()?;
                }
                Ok(())
            })?;
            let total = migration.total();
            let share = |n: u64| percent(n as f64 / total as f64);
            format!(
                "{total} customers: {} up ({}), {} down ({}), {} on the same rung ({})\n",
                migration.up(),
                share(migration.up()),
                migration.down(),
                share(migration.down()),
                migration.same(),
                share(migration.same())
            )
        }
        (None, None, None) => {
            return Err(Failure::Usage(
                "missing --behaviour FILE (or --before FILE --after FILE)".into(),
            ));
        }
        (Some(_), _, _) => {
            return Err(Failure::Usage(
                "--behaviour does not go with --before/--after: give one file, or two".into(),
            ));
        }
        (None, _, _) => {
            return Err(Failure::Usage("--before and --after go together".into()));
        }
    };
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

fn trait_name(t: Trait) -> &'static str {
    TRAIT_NAMES
        .iter()
        .find(|(u, _)| *u == t)
        .map_or("?", |(_, name)| name)
}

/// The rows of a behaviour file, ids interned in `names` (shared by the
/// two files of a migration, so that a customer keeps one id).
fn read_behaviour(path: &Path, names: &mut Interner) -> Result<Vec<Behaviour>, Failure> {
    let (header, mut reader) = crate::args::open_table(path)?;
    let find = |name: &str| header.iter().position(|h| h == name);
    let required = |name: &str| crate::args::required_column(&header, name, path, "ladder");
    let id_at = required("customer_id")?;
    let purchases_at = required("purchases")?;
    let optional = [
        "active_periods",
        "periods",
        "categories",
        "referrals",
        "offers_declined",
        "failures_tolerated",
    ]
    .map(find);
    let partner_at = find("partner");
    let mut out = Vec::new();
    let mut first_line: HashMap<CustomerId, u64> = HashMap::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let line = record.position().map_or(row as u64 + 2, |p| p.line());
        let bad = |what: String| Failure::Data(format!("{}: line {line}: {what}", path.display()));
        let cell = |at: usize| record.get(at).unwrap_or("").trim();
        let count = |at: Option<usize>| -> Result<u32, Failure> {
            match at {
                None => Ok(0),
                Some(at) => cell(at).parse::<u32>().map_err(|_| {
                    bad(format!(
                        "{}: {:?} is not a whole number",
                        header[at],
                        cell(at)
                    ))
                }),
            }
        };
        let id_text = cell(id_at);
        if id_text.is_empty() {
            return Err(bad("empty customer_id".into()));
        }
        let id = CustomerId::new(u64::from(
            names.try_intern(id_text).map_err(|e| bad(e.to_string()))?,
        ));
        if let Some(first) = first_line.insert(id, line) {
            return Err(bad(format!(
                "customer {id_text:?} appears again (first on line {first}); each customer has one row"
            )));
        }
        let [active, periods, categories, referrals, offers, failures] = optional.map(count);
        let partner = match partner_at.map(cell) {
            None | Some("0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(other) => return Err(bad(format!("partner: {other:?} is not 0/1 or true/false"))),
        };
        let b = Behaviour::new(id, count(Some(purchases_at))?)
            .with_activity(active?, periods?)
            .map_err(|e| bad(e.to_string()))?
            .with_categories(categories?)
            .with_referrals(referrals?)
            .with_offers_declined(offers?)
            .with_failures_tolerated(failures?)
            .with_partner(partner);
        out.push(b);
    }
    if out.is_empty() {
        return Err(Failure::Data(format!(
            "{}: no customer (the file needs at least one row)",
            path.display()
        )));
    }
    Ok(out)
}
