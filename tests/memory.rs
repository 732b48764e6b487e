//! Peak memory of the summariser, measured by a counting allocator that
//! tracks each thread's own live bytes (tests run in parallel).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    // `try_with`: the thread-locals may already be gone while a thread exits.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: forwards every call to the system allocator unchanged; the
// bookkeeping touches only const-initialised thread-locals (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-(layout.size() as isize));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at peak by `f` on this thread beyond what was live before.
fn peak_extra<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - before).max(0) as usize)
}

/// 10 transactions per customer in scrambled order, like the benchmark.
fn log(n: usize, customers: u64) -> Vec<Transaction> {
    let start = Date::parse("2020-01-01").unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let day = (state >> 40) as i32 % 1460;
            Transaction::new(
                CustomerId::new(state % customers),
                start.checked_add_days(day).unwrap(),
                Decimal::new((state >> 20) as i64 % 50_000 + 100, 2),
            )
        })
        .collect()
}

/// The summary of a log, the output included, needs at most as much extra
/// memory as the log itself: peak memory at most twice the input.
#[test]
fn summarising_needs_at_most_the_inputs_size_again() {
    let n = 200_000;
    let txs = log(n, 20_000);
    let input = std::mem::size_of_val(txs.as_slice());
    let s = Summarizer::builder(Date::parse("2023-12-31").unwrap())
        .build()
        .unwrap();
    let (summary, extra) = peak_extra(|| s.summarize(&txs).unwrap());
    assert!(summary.len() > 19_000);
    eprintln!(
        "input {input} bytes, peak extra {extra} bytes ({:.2} x input)",
        extra as f64 / input as f64
    );
    assert!(
        extra <= input,
        "peak extra {extra} bytes > input {input} bytes"
    );
}
