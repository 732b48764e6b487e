//! `cv_summary`: the per-customer summary as an aggregate function.

use std::mem::size_of;
use std::sync::Arc;

use customer_value::{Date, Decimal, TimeUnit};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Decimal256Array,
    FixedSizeBinaryArray, Float64Array, Int32Array, Int64Array, ListArray, StructArray,
    UInt64Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Field, FieldRef, Fields, Float64Type, Int32Type,
    UInt64Type,
};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

use crate::money;

/// The SQL name of [`CvSummary`].
pub const SUMMARY: &str = "cv_summary";

/// `cv_summary(date, amount, observation_end)`: one customer's purchase
/// history condensed to the inputs of the buy-till-you-die models, the same
/// numbers as the crate's [`Summarizer`](customer_value::Summarizer) with its
/// defaults (unit days, purchases on one day grouped into one occasion,
/// refunds rejected). Group by the customer:
///
/// ```sql
/// SELECT customer_id, cv_summary(date, amount, DATE '2024-12-31') AS s
/// FROM tx WHERE date <= DATE '2024-12-31' GROUP BY customer_id
/// ```
///
/// # Definitions
///
/// With the customer's distinct purchase days `d_0 < d_1 < ... < d_x` and
/// the observation end `E` (inclusive), all times in days (Fader, Hardie &
/// Lee 2005, "Counting your customers the easy way", the summary of Python
/// lifetimes' `summary_data_from_transaction_data`):
///
/// | field | type | value |
/// |---|---|---|
/// | `x` | Int64 | repeat purchase occasions: distinct days − 1 |
/// | `t_x` | Float64 | `d_x − d_0`, time of the last occasion (0 when `x = 0`) |
/// | `age` | Float64 | `E − d_0`, the model's `T` |
/// | `monetary_value` | Decimal256(76, 28) | `(total − first day's spend) / x`, 0 when `x = 0` (`z̄` of Gamma-Gamma), exactly the crate's `Decimal` quotient |
/// | `purchases` | Int64 | `x + 1` |
/// | `transactions` | Int64 | rows |
/// | `total_spend` | money | sum of the amounts |
/// | `repeat_spend` | money | total − first day's spend |
/// | `first_purchase` | Date32 | `d_0` |
/// | `last_purchase` | Date32 | `d_x` |
///
/// "money" is `Decimal128(38, s)` for a `Decimal128(p, s)` or integer amount
/// column (exact), and `Float64` for a float column (the exact decimal sum,
/// rounded once to the nearest double); see [Money](crate#money).
///
/// # Errors
///
/// A DataFusion execution error, never a panic or a silent NULL, for a NULL
/// date or amount, a negative amount (a refund: the crate's default policy
/// rejects them), a purchase after `observation_end` (filter them with
/// `WHERE`), or a sum that a 28-digit decimal cannot hold exactly. A
/// planning error when `observation_end` is not a constant date or the
/// argument types do not fit.
///
/// # How it aggregates
///
/// The mergeable state of a customer is the list of distinct days, the
/// first day, that day's spend, the total and the transaction count: the
/// first and last day alone would not give an exact count of occasions
/// when one day's purchases land in several partitions. A
/// [`GroupsAccumulator`] keeps it for all groups at once;
/// `convert_to_state` turns rows directly into states when DataFusion skips
/// partial aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CvSummary {
    signature: Signature,
}

impl Default for CvSummary {
    fn default() -> Self {
        Self::new()
    }
}

impl CvSummary {
    /// The function, named [`SUMMARY`].
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// How the amount column is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Money {
    /// `Decimal128(_, scale)`: exact.
    Decimal(i8),
    /// `Float64`: through the shortest decimal text.
    Float,
}

impl Money {
    fn of(t: &DataType) -> Result<Money> {
        match t {
            DataType::Decimal128(_, s) if (0..=money::MAX_SCALE as i8).contains(s) => {
                Ok(Money::Decimal(*s))
            }
            DataType::Float64 => Ok(Money::Float),
            other => plan_err!(
                "{SUMMARY}: the amount must be a DECIMAL with scale 0..=28, an integer or a DOUBLE, got {other}"
            ),
        }
    }

    fn output_type(self) -> DataType {
        match self {
            Money::Decimal(s) => DataType::Decimal128(38, s),
            Money::Float => DataType::Float64,
        }
    }
}

/// The struct `cv_summary` returns, for an amount column of type `amount`
/// (after coercion).
fn output_fields(amount: &DataType) -> Result<Fields> {
    let money = Money::of(amount)?.output_type();
    let f = |name: &str, t: DataType| Field::new(name, t, true);
    Ok(Fields::from(vec![
        f("x", DataType::Int64),
        f("t_x", DataType::Float64),
        f("age", DataType::Float64),
        f(
            "monetary_value",
            DataType::Decimal256(money::MEAN_PRECISION, money::MEAN_SCALE),
        ),
        f("purchases", DataType::Int64),
        f("transactions", DataType::Int64),
        f("total_spend", money.clone()),
        f("repeat_spend", money),
        f("first_purchase", DataType::Date32),
        f("last_purchase", DataType::Date32),
    ]))
}

fn days_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int32, true)))
}

impl AggregateUDFImpl for CvSummary {
    fn name(&self) -> &str {
        SUMMARY
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [date, amount, end] = arg_types else {
            return plan_err!(
                "{SUMMARY} takes (date, amount, observation_end), got {} arguments",
                arg_types.len()
            );
        };
        let date = match date {
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => DataType::Date32,
            other => {
                return plan_err!("{SUMMARY}: the date must be a DATE or TIMESTAMP, got {other}");
            }
        };
        let amount = match amount {
            DataType::Decimal128(p, s) | DataType::Decimal256(p, s)
                if *p <= 38 && (0..=money::MAX_SCALE as i8).contains(s) =>
            {
                DataType::Decimal128(*p, *s)
            }
            t if t.is_integer() => DataType::Decimal128(20, 0),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => DataType::Float64,
            other => {
                return plan_err!(
                    "{SUMMARY}: the amount must be a DECIMAL with scale 0..=28, an integer or a DOUBLE, got {other}"
                );
            }
        };
        let end = match end {
            DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(..)
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View => DataType::Date32,
            other => {
                return plan_err!(
                    "{SUMMARY}: observation_end must be a constant DATE, got {other}"
                );
            }
        };
        Ok(vec![date, amount, end])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let Some(amount) = arg_types.get(1) else {
            return plan_err!("{SUMMARY} takes (date, amount, observation_end)");
        };
        Ok(DataType::Struct(output_fields(amount)?))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f = |name: &str, t: DataType| {
            Arc::new(Field::new(format_state_name(args.name, name), t, true))
        };
        Ok(vec![
            f("days", days_type()),
            f("first_day", DataType::Int32),
            f("first_amount", DataType::FixedSizeBinary(16)),
            f("total", DataType::FixedSizeBinary(16)),
            f("transactions", DataType::UInt64),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(RowAccumulator {
            groups: Groups::new(&acc_args)?,
        }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups::new(&args)?))
    }
}

/// One customer's mergeable state.
#[derive(Debug, Clone)]
struct Group {
    /// Purchase days seen, with repeats, unsorted beyond `clean`.
    days: Vec<i32>,
    /// Length of the sorted, repeat-free prefix of `days`.
    clean: usize,
    /// The first purchase day (`i32::MAX` before any purchase).
    first_day: i32,
    /// Spend on `first_day`.
    first_amount: Decimal,
    total: Decimal,
    transactions: u64,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            days: Vec::new(),
            clean: 0,
            first_day: i32::MAX,
            first_amount: Decimal::ZERO,
            total: Decimal::ZERO,
            transactions: 0,
        }
    }
}

impl Group {
    /// Adds a purchase day; returns the change in stored days.
    #[inline]
    fn add_day(&mut self, day: i32) -> isize {
        if self.days.last() == Some(&day) {
            return 0;
        }
        self.days.push(day);
        if self.days.len() > 2 * self.clean + 16 {
            return 1 + self.compact();
        }
        1
    }

    /// Sorts and removes repeated days; returns the change in stored days.
    fn compact(&mut self) -> isize {
        let before = self.days.len();
        if self.clean < before {
            self.days.sort_unstable();
            self.days.dedup();
            self.clean = self.days.len();
        }
        self.clean as isize - before as isize
    }

    /// Folds in another state's first day and its spend.
    #[inline]
    fn merge_first(&mut self, day: i32, amount: Decimal) -> Result<()> {
        match day.cmp(&self.first_day) {
            std::cmp::Ordering::Less => {
                self.first_day = day;
                self.first_amount = amount;
            }
            std::cmp::Ordering::Equal => {
                self.first_amount = money::add(SUMMARY, self.first_amount, amount)?;
            }
            std::cmp::Ordering::Greater => {}
        }
        Ok(())
    }

    #[inline]
    fn add_total(&mut self, amount: Decimal, transactions: u64) -> Result<()> {
        self.total = money::add(SUMMARY, self.total, amount)?;
        self.transactions = self.transactions.checked_add(transactions).ok_or_else(|| {
            DataFusionError::Execution(format!("{SUMMARY}: transaction count overflows"))
        })?;
        Ok(())
    }
}

/// The per-group states and what every accumulator needs to read input.
#[derive(Debug)]
struct Groups {
    groups: Vec<Group>,
    /// Stored days over all groups, for `size`.
    days: usize,
    money: Money,
    /// The observation end, days since 1970-01-01.
    end: i32,
}

impl Groups {
    fn new(args: &AccumulatorArgs) -> Result<Groups> {
        if args.is_distinct {
            return plan_err!("{SUMMARY}(DISTINCT ...) is not supported");
        }
        let ([_, _, end], [_, amount, _]) = (args.exprs, args.expr_fields) else {
            return plan_err!("{SUMMARY} takes (date, amount, observation_end)");
        };
        let money = Money::of(amount.data_type())?;
        let end = match end.downcast_ref::<Literal>().map(Literal::value) {
            Some(ScalarValue::Date32(Some(d))) => *d,
            Some(ScalarValue::Date32(None)) => {
                return plan_err!("{SUMMARY}: observation_end is NULL");
            }
            _ => {
                return plan_err!(
                    "{SUMMARY}: observation_end must be a constant date such as DATE '2024-12-31', got {end}"
                );
            }
        };
        if let Err(e) = Date::from_days_since_epoch(end) {
            return plan_err!("{SUMMARY}: observation_end: {e}");
        }
        Ok(Groups {
            groups: Vec::new(),
            days: 0,
            money,
            end,
        })
    }

    fn resize(&mut self, total_num_groups: usize) {
        if self.groups.len() < total_num_groups {
            self.groups.resize_with(total_num_groups, Group::default);
        }
    }

    /// Reads the date and amount columns.
    fn input<'a>(&self, values: &'a [ArrayRef]) -> Result<Input<'a>> {
        let [dates, amounts, ..] = values else {
            return exec_err!("{SUMMARY} takes (date, amount, observation_end)");
        };
        let dates = dates.as_primitive_opt::<Date32Type>().ok_or_else(|| {
            DataFusionError::Execution(format!("{SUMMARY}: dates must be Date32"))
        })?;
        let amounts = match self.money {
            Money::Decimal(scale) => Amounts::Decimal(
                amounts
                    .as_primitive_opt::<Decimal128Type>()
                    .ok_or_else(|| {
                        DataFusionError::Execution(format!("{SUMMARY}: amounts must be Decimal128"))
                    })?,
                scale,
            ),
            Money::Float => {
                Amounts::Float(amounts.as_primitive_opt::<Float64Type>().ok_or_else(|| {
                    DataFusionError::Execution(format!("{SUMMARY}: amounts must be Float64"))
                })?)
            }
        };
        Ok(Input {
            dates,
            amounts,
            end: self.end,
        })
    }

    fn update(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let input = self.input(values)?;
        let mut days = 0isize;
        for (i, &g) in group_indices.iter().enumerate() {
            if opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                continue;
            }
            let (day, amount) = input.row(i)?;
            let group = &mut self.groups[g];
            days += group.add_day(day);
            group.merge_first(day, amount)?;
            group.add_total(amount, 1)?;
        }
        self.days = self.days.saturating_add_signed(days);
        Ok(())
    }

    fn merge(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let state = State::read(values)?;
        let day_values = state.days.values().as_primitive::<Int32Type>().values();
        let offsets = state.days.value_offsets();
        let mut days = 0isize;
        for (i, &g) in group_indices.iter().enumerate() {
            let transactions = state.transactions.value(i);
            if transactions == 0 {
                continue;
            }
            let group = &mut self.groups[g];
            for &d in &day_values[offsets[i] as usize..offsets[i + 1] as usize] {
                days += group.add_day(d);
            }
            group.merge_first(
                state.first_day.value(i),
                decimal(state.first_amount.value(i))?,
            )?;
            group.add_total(decimal(state.total.value(i))?, transactions)?;
        }
        self.days = self.days.saturating_add_signed(days);
        Ok(())
    }

    /// The state arrays of `groups`.
    fn state_of(groups: &mut [Group]) -> Result<Vec<ArrayRef>> {
        let n = groups.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i32);
        let mut days = Vec::new();
        let mut first_day = Vec::with_capacity(n);
        let mut first_amount = Vec::with_capacity(n);
        let mut total = Vec::with_capacity(n);
        let mut transactions = Vec::with_capacity(n);
        for g in groups.iter_mut() {
            g.compact();
            days.extend_from_slice(&g.days);
            let end = i32::try_from(days.len()).map_err(|_| {
                DataFusionError::Execution(format!("{SUMMARY}: state too large for one batch"))
            })?;
            offsets.push(end);
            let empty = g.transactions == 0;
            first_day.push((!empty).then_some(g.first_day));
            first_amount.push((!empty).then(|| g.first_amount.serialize()));
            total.push(Some(g.total.serialize()));
            transactions.push(g.transactions);
        }
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Int32, true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(Int32Array::from(days)),
            None,
        )?;
        Ok(vec![
            Arc::new(list),
            Arc::new(Int32Array::from(first_day)),
            Arc::new(binary16(first_amount)?),
            Arc::new(binary16(total)?),
            Arc::new(UInt64Array::from(transactions)),
        ])
    }

    /// The summaries of `groups` (NULL for a group without purchases).
    fn evaluate_groups(&self, groups: &mut [Group]) -> Result<ArrayRef> {
        let n = groups.len();
        let mut x = Vec::with_capacity(n);
        let mut t_x = Vec::with_capacity(n);
        let mut age = Vec::with_capacity(n);
        let mut mean = Vec::with_capacity(n);
        let mut purchases = Vec::with_capacity(n);
        let mut transactions = Vec::with_capacity(n);
        let mut total = Vec::with_capacity(n);
        let mut repeat = Vec::with_capacity(n);
        let mut first = Vec::with_capacity(n);
        let mut last = Vec::with_capacity(n);
        let mut valid = Vec::with_capacity(n);
        for g in groups.iter_mut() {
            g.compact();
            let (Some(&d0), Some(&dx)) = (g.days.first(), g.days.last()) else {
                valid.push(false);
                x.push(0);
                t_x.push(0.0);
                age.push(0.0);
                mean.push(Decimal::ZERO);
                purchases.push(0);
                transactions.push(0);
                total.push(Decimal::ZERO);
                repeat.push(Decimal::ZERO);
                first.push(0);
                last.push(0);
                continue;
            };
            if d0 != g.first_day {
                return exec_err!(
                    "{SUMMARY}: inconsistent state: first day {} but earliest day {d0}",
                    g.first_day
                );
            }
            let repeats = u32::try_from(g.days.len() - 1).map_err(|_| {
                DataFusionError::Execution(format!("{SUMMARY}: more than 2^32 purchase days"))
            })?;
            let repeat_spend = g.total.checked_sub(g.first_amount).ok_or_else(|| {
                DataFusionError::Execution(format!("{SUMMARY}: repeat spend overflows"))
            })?;
            // The crate's z̄: repeat spend / x in Decimal arithmetic.
            let zbar = if repeats == 0 {
                Decimal::ZERO
            } else {
                repeat_spend / Decimal::from(repeats)
            };
            valid.push(true);
            x.push(i64::from(repeats));
            t_x.push(TimeUnit::DAY.periods(dx - d0));
            age.push(TimeUnit::DAY.periods(self.end - d0));
            mean.push(zbar);
            purchases.push(i64::from(repeats) + 1);
            transactions.push(i64::try_from(g.transactions).unwrap_or(i64::MAX));
            total.push(g.total);
            repeat.push(repeat_spend);
            first.push(d0);
            last.push(dx);
        }
        let amounts = |v: Vec<Decimal>, what: &str| -> Result<ArrayRef> {
            Ok(match self.money {
                Money::Decimal(s) => Arc::new(
                    Decimal128Array::from(
                        v.into_iter()
                            .map(|d| money::to_decimal128(what, d, s))
                            .collect::<Result<Vec<_>>>()?,
                    )
                    .with_precision_and_scale(38, s)?,
                ),
                Money::Float => Arc::new(Float64Array::from(
                    v.into_iter().map(money::to_f64).collect::<Vec<_>>(),
                )),
            })
        };
        let mean = Decimal256Array::from(
            mean.into_iter()
                .map(money::to_decimal256)
                .collect::<Vec<_>>(),
        )
        .with_precision_and_scale(money::MEAN_PRECISION, money::MEAN_SCALE)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(x)),
            Arc::new(Float64Array::from(t_x)),
            Arc::new(Float64Array::from(age)),
            Arc::new(mean),
            Arc::new(Int64Array::from(purchases)),
            Arc::new(Int64Array::from(transactions)),
            amounts(total, "total_spend")?,
            amounts(repeat, "repeat_spend")?,
            Arc::new(Date32Array::from(first)),
            Arc::new(Date32Array::from(last)),
        ];
        let fields = output_fields(&match self.money {
            Money::Decimal(s) => DataType::Decimal128(38, s),
            Money::Float => DataType::Float64,
        })?;
        let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
        Ok(Arc::new(StructArray::try_new(fields, columns, nulls)?))
    }

    /// Each input row as a state of its own (rows the filter drops as
    /// empty states).
    fn rows_as_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let input = self.input(values)?;
        let n = input.dates.len();
        let mut groups = Vec::with_capacity(n);
        for i in 0..n {
            let mut g = Group::default();
            if !opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                let (day, amount) = input.row(i)?;
                g.add_day(day);
                g.merge_first(day, amount)?;
                g.add_total(amount, 1)?;
            }
            groups.push(g);
        }
        Groups::state_of(&mut groups)
    }

    fn size(&self) -> usize {
        size_of::<Self>()
            + self.groups.capacity() * size_of::<Group>()
            + self.days * size_of::<i32>()
    }
}

/// The columns of one input batch.
struct Input<'a> {
    dates: &'a Date32Array,
    amounts: Amounts<'a>,
    end: i32,
}

enum Amounts<'a> {
    Decimal(&'a Decimal128Array, i8),
    Float(&'a Float64Array),
}

impl Input<'_> {
    /// Row `i`'s day and amount, checked.
    #[inline]
    fn row(&self, i: usize) -> Result<(i32, Decimal)> {
        if self.dates.is_null(i) {
            return exec_err!(
                "{SUMMARY}: NULL date; filter such rows out (WHERE date IS NOT NULL) or fill them in"
            );
        }
        let day = self.dates.value(i);
        let (null, amount) = match self.amounts {
            Amounts::Decimal(a, s) => (
                a.is_null(i),
                (!a.is_null(i))
                    .then(|| money::from_decimal128(SUMMARY, a.value(i), s))
                    .transpose()?,
            ),
            Amounts::Float(a) => (
                a.is_null(i),
                (!a.is_null(i))
                    .then(|| money::from_f64(SUMMARY, a.value(i)))
                    .transpose()?,
            ),
        };
        let date = || {
            Date::from_days_since_epoch(day)
                .map(|d| d.to_string())
                .unwrap_or_else(|_| format!("day {day}"))
        };
        let Some(amount) = amount.filter(|_| !null) else {
            return exec_err!(
                "{SUMMARY}: NULL amount on {}; filter such rows out or fill them in",
                date()
            );
        };
        if amount.is_sign_negative() && !amount.is_zero() {
            return exec_err!(
                "{SUMMARY}: negative amount {amount} on {} (a refund); refunds are rejected, net them into the purchases before summarising",
                date()
            );
        }
        if day < Date::MIN.days_since_epoch() {
            return exec_err!(
                "{SUMMARY}: the date {} is before {}, the earliest the crate handles",
                date(),
                Date::MIN
            );
        }
        if day > self.end {
            let end = Date::from_days_since_epoch(self.end)
                .map(|d| d.to_string())
                .unwrap_or_default();
            return exec_err!(
                "{SUMMARY}: a purchase on {} is after observation_end {end}; keep only purchases up to it (WHERE date <= DATE '{end}')",
                date()
            );
        }
        Ok((day, amount))
    }
}

/// The state columns of one batch.
struct State<'a> {
    days: &'a ListArray,
    first_day: &'a Int32Array,
    first_amount: &'a FixedSizeBinaryArray,
    total: &'a FixedSizeBinaryArray,
    transactions: &'a UInt64Array,
}

impl<'a> State<'a> {
    fn read(values: &'a [ArrayRef]) -> Result<State<'a>> {
        let bad = || DataFusionError::Execution(format!("{SUMMARY}: unexpected state columns"));
        let [days, first_day, first_amount, total, transactions] = values else {
            return Err(bad());
        };
        Ok(State {
            days: days.as_list_opt::<i32>().ok_or_else(bad)?,
            first_day: first_day.as_primitive_opt::<Int32Type>().ok_or_else(bad)?,
            first_amount: first_amount.as_fixed_size_binary_opt().ok_or_else(bad)?,
            total: total.as_fixed_size_binary_opt().ok_or_else(bad)?,
            transactions: transactions
                .as_primitive_opt::<UInt64Type>()
                .ok_or_else(bad)?,
        })
    }
}

/// A state's 16-byte decimal.
fn decimal(bytes: &[u8]) -> Result<Decimal> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| DataFusionError::Execution(format!("{SUMMARY}: bad decimal in state")))?;
    Ok(Decimal::deserialize(b))
}

fn binary16(v: Vec<Option<[u8; 16]>>) -> Result<FixedSizeBinaryArray> {
    let n = v.len();
    if v.iter().all(Option::is_none) {
        return Ok(FixedSizeBinaryArray::new_null(16, n));
    }
    Ok(FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        v.into_iter(),
        16,
    )?)
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.update(values, group_indices, opt_filter, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let mut taken = emit_to.take_needed(&mut self.groups);
        self.days -= taken
            .iter()
            .map(|g| g.days.len())
            .sum::<usize>()
            .min(self.days);
        self.evaluate_groups(&mut taken)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let mut taken = emit_to.take_needed(&mut self.groups);
        self.days -= taken
            .iter()
            .map(|g| g.days.len())
            .sum::<usize>()
            .min(self.days);
        Groups::state_of(&mut taken)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.merge(values, group_indices, total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.rows_as_state(values, opt_filter)
    }

    fn size(&self) -> usize {
        Groups::size(self)
    }
}

/// The row-at-a-time accumulator (no GROUP BY, window functions): one
/// group.
#[derive(Debug)]
struct RowAccumulator {
    groups: Groups,
}

impl RowAccumulator {
    fn one(&mut self) -> Group {
        self.groups.resize(1);
        self.groups.groups[0].clone()
    }
}

impl Accumulator for RowAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let n = values.first().map_or(0, |v| v.len());
        self.groups.update(values, &vec![0; n], None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut one = [self.one()];
        let array = self.groups.evaluate_groups(&mut one)?;
        ScalarValue::try_from_array(&array, 0)
    }

    fn size(&self) -> usize {
        self.groups.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut one = [self.one()];
        Groups::state_of(&mut one)?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let n = states.first().map_or(0, |v| v.len());
        self.groups.merge(states, &vec![0; n], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Date32Array, Decimal128Array};

    fn groups(end: i32) -> Groups {
        Groups {
            groups: Vec::new(),
            days: 0,
            money: Money::Decimal(2),
            end,
        }
    }

    /// A small deterministic generator (SplitMix64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }

    fn batch(rows: &[(usize, i32, i128)]) -> Vec<ArrayRef> {
        vec![
            Arc::new(Date32Array::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            Arc::new(
                Decimal128Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())
                    .with_precision_and_scale(12, 2)
                    .unwrap(),
            ),
            Arc::new(Date32Array::from(vec![100; rows.len()])),
        ]
    }

    /// Direct update, and every other path through states (rows turned
    /// into states, partial accumulators emitting their first groups
    /// early), give the same summaries.
    #[test]
    fn every_path_through_state_agrees() {
        let mut rng = Rng(7);
        for round in 0..50 {
            let n_groups = 1 + rng.next(12) as usize;
            let rows: Vec<(usize, i32, i128)> = (0..rng.next(80) as usize)
                .map(|_| {
                    (
                        rng.next(n_groups as u64) as usize,
                        rng.next(20) as i32 * (1 + round % 3),
                        rng.next(5000) as i128,
                    )
                })
                .collect();
            let idx: Vec<usize> = rows.iter().map(|r| r.0).collect();

            let mut direct = groups(100);
            direct.update(&batch(&rows), &idx, None, n_groups).unwrap();
            let expected = GroupsAccumulator::evaluate(&mut direct, EmitTo::All).unwrap();

            // Rows as states, merged in chunks.
            let mut merged = groups(100);
            for (chunk, gi) in rows.chunks(7).zip(idx.chunks(7)) {
                let state = merged.convert_to_state(&batch(chunk), None).unwrap();
                merged.merge_batch(&state, gi, n_groups).unwrap();
            }
            assert_eq!(&merged.evaluate(EmitTo::All).unwrap(), &expected);

            // Two partial accumulators over halves, each emitting its state
            // in two steps (First(k), then All), merged into a final one.
            let half = rows.len() / 2;
            let mut last = groups(100);
            for (part, gi) in [(&rows[..half], &idx[..half]), (&rows[half..], &idx[half..])] {
                let mut partial = groups(100);
                partial.update(&batch(part), gi, None, n_groups).unwrap();
                let k = rng.next(n_groups as u64 + 1) as usize;
                let first = partial.state(EmitTo::First(k)).unwrap();
                let rest = partial.state(EmitTo::All).unwrap();
                let gi_first: Vec<usize> = (0..k).collect();
                let gi_rest: Vec<usize> = (k..n_groups).collect();
                last.merge_batch(&first, &gi_first, n_groups).unwrap();
                last.merge_batch(&rest, &gi_rest, n_groups).unwrap();
            }
            // Emitting the first groups early keeps the others.
            let k = rng.next(n_groups as u64 + 1) as usize;
            let head = last.evaluate(EmitTo::First(k)).unwrap();
            let tail = last.evaluate(EmitTo::All).unwrap();
            assert_eq!(&head, &expected.slice(0, k));
            assert_eq!(&tail, &expected.slice(k, n_groups - k));
        }
    }

    #[test]
    fn a_filter_leaves_empty_states_and_null_rows() {
        let rows = [(0usize, 5, 100i128), (1, 6, 200)];
        let filter = BooleanArray::from(vec![true, false]);
        let mut g = groups(100);
        let state = g.convert_to_state(&batch(&rows), Some(&filter)).unwrap();
        g.merge_batch(&state, &[0, 1], 2).unwrap();
        let out = g.evaluate(EmitTo::All).unwrap();
        assert!(out.is_valid(0) && out.is_null(1));
    }
}
