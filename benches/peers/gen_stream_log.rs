//! Writes a large synthetic transaction log for the streaming benchmark
//! (`stream_100m.sh`): `customer_id,date,amount` with `ROWS` rows over
//! `CUSTOMERS` customers (ids 1..=CUSTOMERS drawn uniformly, so rows are in
//! no customer order), dates uniform over 2022-01-01..2023-12-31, amounts
//! 1.00..200.00 with two decimals. Deterministic (fixed seed). No
//! dependencies, so it compiles with `rustc -O` alone:
//!
//! ```text
//! rustc -O benches/peers/gen_stream_log.rs -o /tmp/gen_stream_log
//! /tmp/gen_stream_log 100000000 10000000 /data/log100m.csv
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_stream_log ROWS CUSTOMERS OUT.csv");
        std::process::exit(2);
    }
    let rows: u64 = args[1].parse().expect("ROWS");
    let customers: u64 = args[2].parse().expect("CUSTOMERS");
    let mut out = BufWriter::with_capacity(1 << 22, File::create(&args[3]).expect("OUT"));
    // The 730 dates, formatted once.
    let mut dates = Vec::with_capacity(730);
    let days_in = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for year in [2022, 2023] {
        for (m, &n) in days_in.iter().enumerate() {
            for d in 1..=n {
                dates.push(format!("{year}-{:02}-{d:02}", m + 1));
            }
        }
    }
    out.write_all(b"customer_id,date,amount\n").unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut line = Vec::with_capacity(64);
    for _ in 0..rows {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let customer = ((u128::from(r) * u128::from(customers)) >> 64) as u64 + 1;
        let day = ((r >> 8) % 730) as usize;
        let cents = 100 + (r >> 32) % 19901;
        line.clear();
        line.extend_from_slice(customer.to_string().as_bytes());
        line.push(b',');
        line.extend_from_slice(dates[day].as_bytes());
        line.push(b',');
        line.extend_from_slice((cents / 100).to_string().as_bytes());
        line.push(b'.');
        line.push(b'0' + (cents / 10 % 10) as u8);
        line.push(b'0' + (cents % 10) as u8);
        line.push(b'\n');
        out.write_all(&line).unwrap();
    }
    out.flush().unwrap();
}
