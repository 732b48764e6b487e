//! Shared by the benches: a fixed-seed generator for reproducible inputs,
//! and the CDNOW histories from the shared data.
#![allow(dead_code)] // each bench uses what it needs

/// SplitMix64 (Steele, Lea & Flood 2014; Vigna's constants): small, fast and
/// deterministic, enough for bench data. Not for statistics.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform `f64` in `[0, 1)` (53 random bits).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n` (slightly biased for huge `n`; fine for bench data).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The shared data sets (`$CUSTOMER_VALUE_DATA`, or `../shared/data`
/// beside the workspace), if present.
pub fn data_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
        });
    dir.is_dir().then_some(dir)
}

/// CDNOW `ID,frequency,recency,T` rows (weeks) as histories, if the data
/// are present.
pub fn cdnow_histories() -> Option<Vec<customer_value::btyd::CustomerHistory>> {
    cdnow_histories_in("cdnow/cdnow_customers_summary.csv")
}

/// The histories of a CDNOW summary file under [`data_dir`] whose first
/// four columns are `ID,frequency,recency,T`, if present.
pub fn cdnow_histories_in(file: &str) -> Option<Vec<customer_value::btyd::CustomerHistory>> {
    Some(
        cdnow_fields(file)?
            .iter()
            .map(|f| {
                customer_value::btyd::CustomerHistory::new(
                    customer_value::CustomerId::new(f[0].parse().unwrap()),
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )
                .unwrap()
            })
            .collect(),
    )
}

/// CDNOW spend histories (`ID,frequency,...,monetary_value` in the
/// summary with transactions), if present.
pub fn cdnow_spends() -> Option<Vec<customer_value::btyd::SpendHistory>> {
    Some(
        cdnow_fields("cdnow/cdnow_customers_summary_with_transactions.csv")?
            .iter()
            .map(|f| {
                customer_value::btyd::SpendHistory::new(
                    customer_value::CustomerId::new(f[0].parse().unwrap()),
                    f[1].parse().unwrap(),
                    f[4].parse::<customer_value::Decimal>().unwrap(),
                )
                .unwrap()
            })
            .collect(),
    )
}

/// The comma-separated fields of each non-blank line after the header.
fn cdnow_fields(file: &str) -> Option<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(data_dir()?.join(file)).ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect(),
    )
}

/// 103,000 simulated customers (seed 7) acquired over four years and
/// summarised in days at the end of the fifth, as the summary CSV `score
/// summary` writes: daily rates (`α = 8`, `β = 400`) that leave few customers
/// without a repeat purchase, so about 86,000 of the 103,000 `(x, t_x, T)`
/// rows are distinct. The input of `btyd_fit` and `btyd_ggomnbd`.
pub fn simulated_days_csv() -> Vec<u8> {
    use customer_value::csv::write_summary;
    use customer_value::simulate::Simulation;
    use customer_value::{Date, Grouping, Summarizer, TimeUnit, TransactionLog};

    let end = Date::parse("2000-12-31").unwrap();
    let log = Simulation::builder()
        .customers(103_000)
        .seed(7)
        .acquisition_days(1461)
        .end(end)
        .unit(TimeUnit::DAY)
        .alpha(8.0)
        .beta(400.0)
        .build()
        .unwrap()
        .run();
    let summary = Summarizer::builder(end)
        .unit(TimeUnit::DAY)
        .grouping(Grouping::Day)
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &TransactionLog::new()).unwrap();
    out
}
