//! The predictors as scalar functions, with the fitted parameters as
//! arguments.

use std::sync::Arc;

use customer_value::btyd::{
    BgNbdParams, BtydClv, BtydCustomer, CustomerHistory, GammaGammaParams, MbgNbdParams,
    ParetoNbdParams, PurchaseModel, SpendHistory,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, Decimal};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Decimal256Type, Float64Type, Int64Type,
};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::money;

/// A purchase model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// BG/NBD (Fader, Hardie & Lee 2005), parameters `(r, alpha, a, b)`.
    BgNbd,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007), parameters
    /// `(r, alpha, a, b)`.
    MbgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987), parameters
    /// `(r, alpha, s, beta)`.
    ParetoNbd,
}

impl Model {
    fn prefix(self) -> &'static str {
        match self {
            Model::BgNbd => "cv_bgnbd",
            Model::MbgNbd => "cv_mbgnbd",
            Model::ParetoNbd => "cv_pareto_nbd",
        }
    }

    fn params(self, p: [f64; 4]) -> customer_value::Result<PurchaseModel> {
        let [a, b, c, d] = p;
        Ok(match self {
            Model::BgNbd => BgNbdParams::new(a, b, c, d)?.into(),
            Model::MbgNbd => MbgNbdParams::new(a, b, c, d)?.into(),
            Model::ParetoNbd => ParetoNbdParams::new(a, b, c, d)?.into(),
        })
    }
}

/// What a [`Predictor`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// `P(alive | x, t_x, T)`:
    /// `<model>_p_alive(<4 parameters>, x, t_x, age)`.
    PAlive(Model),
    /// `E[Y(t) | x, t_x, T]`, the expected repeat purchases in the next `t`
    /// days: `<model>_expected_purchases(<4 parameters>, x, t_x, age, t)`.
    ExpectedPurchases(Model),
    /// Gamma-Gamma `E[Z | x, z̄]`, the expected spend per purchase:
    /// `cv_gamma_gamma_expected_spend(p, q, gamma, x, monetary_value)`.
    ExpectedSpend,
    /// Lifetime value over `periods` periods of `period_length` days at
    /// `discount` per period, from the purchase model and Gamma-Gamma:
    /// `<model>_clv(<4 parameters>, p, q, gamma, x, t_x, age,
    /// monetary_value, periods, discount, period_length)`.
    Clv(Model),
}

/// How an argument is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A double.
    F,
    /// A count (`x`, `periods`).
    I,
    /// Money or a rate: a decimal column exactly, a double through its
    /// shortest text.
    M,
}

impl Quantity {
    fn args(self) -> Vec<(&'static str, Kind)> {
        use Kind::{F, I, M};
        let model = |m: Model| match m {
            Model::BgNbd | Model::MbgNbd => [("r", F), ("alpha", F), ("a", F), ("b", F)],
            Model::ParetoNbd => [("r", F), ("alpha", F), ("s", F), ("beta", F)],
        };
        let history = [("x", I), ("t_x", F), ("age", F)];
        let spend = [("p", F), ("q", F), ("gamma", F)];
        match self {
            Quantity::PAlive(m) => [&model(m)[..], &history].concat(),
            Quantity::ExpectedPurchases(m) => [&model(m)[..], &history, &[("t", F)]].concat(),
            Quantity::ExpectedSpend => [&spend[..], &[("x", I), ("monetary_value", M)]].concat(),
            Quantity::Clv(m) => [
                &model(m)[..],
                &spend,
                &history,
                &[
                    ("monetary_value", M),
                    ("periods", I),
                    ("discount", M),
                    ("period_length", F),
                ],
            ]
            .concat(),
        }
    }

    /// The SQL name.
    pub fn name(self) -> String {
        match self {
            Quantity::PAlive(m) => format!("{}_p_alive", m.prefix()),
            Quantity::ExpectedPurchases(m) => format!("{}_expected_purchases", m.prefix()),
            Quantity::ExpectedSpend => "cv_gamma_gamma_expected_spend".into(),
            Quantity::Clv(m) => format!("{}_clv", m.prefix()),
        }
    }

    /// Every quantity, one scalar function each.
    pub fn all() -> Vec<Quantity> {
        let models = [Model::BgNbd, Model::MbgNbd, Model::ParetoNbd];
        let mut all = Vec::new();
        for m in models {
            all.extend([
                Quantity::PAlive(m),
                Quantity::ExpectedPurchases(m),
                Quantity::Clv(m),
            ]);
        }
        all.push(Quantity::ExpectedSpend);
        all
    }
}

/// A predictor as a scalar function returning `DOUBLE`; see [`Quantity`]
/// for the functions and their arguments.
///
/// Every value comes from the crate's own method on one customer
/// ([`PurchaseModel::p_alive`], [`PurchaseModel::expected_purchases`],
/// [`GammaGammaParams::expected_spend_f64`], [`BtydClv::value_f64`]), with
/// the parameters validated by the crate's constructors: nothing is
/// re-derived here. The parameters may be constants or columns (for
/// parameters fitted per segment and joined in).
///
/// `x` and `periods` are integers; times are doubles in days (the summary's
/// unit); `monetary_value` and `discount` are read exactly from a decimal
/// column, and from a double through its shortest decimal text.
///
/// A NULL argument gives NULL. Parameters or histories the crate rejects
/// (`t_x > T`, a negative `x`, `q <= 1` for a one-time buyer's spend...) are
/// a DataFusion execution error naming the row, never NaN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Predictor {
    quantity: Quantity,
    name: String,
    signature: Signature,
}

impl Predictor {
    /// The function computing `quantity`, named [`Quantity::name`].
    pub fn new(quantity: Quantity) -> Self {
        Self {
            quantity,
            name: quantity.name(),
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Predictor {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let spec = self.quantity.args();
        if arg_types.len() != spec.len() {
            let names: Vec<&str> = spec.iter().map(|(n, _)| *n).collect();
            return plan_err!(
                "{} takes {} arguments ({}), got {}",
                self.name,
                spec.len(),
                names.join(", "),
                arg_types.len()
            );
        }
        arg_types
            .iter()
            .zip(&spec)
            .map(|(t, (arg, kind))| {
                let numeric = t.is_numeric() || *t == DataType::Null;
                Ok(match kind {
                    Kind::I if t.is_integer() || *t == DataType::Null => DataType::Int64,
                    Kind::F if numeric => DataType::Float64,
                    Kind::M => match t {
                        DataType::Decimal128(..) | DataType::Decimal256(..) => t.clone(),
                        _ if numeric => DataType::Float64,
                        _ => return plan_err!("{}: {arg} must be a number, got {t}", self.name),
                    },
                    Kind::I => {
                        return plan_err!("{}: {arg} must be an integer, got {t}", self.name);
                    }
                    Kind::F => return plan_err!("{}: {arg} must be a number, got {t}", self.name),
                })
            })
            .collect()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let spec = self.quantity.args();
        let cols = arrays
            .iter()
            .zip(&spec)
            .map(|(a, (arg, kind))| Column::new(&self.name, arg, *kind, a))
            .collect::<Result<Vec<_>>>()?;
        let n = args.number_rows;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            if cols.iter().any(|c| c.array.is_null(i)) {
                out.push(None);
                continue;
            }
            let v = self
                .row(&cols, i)
                .map_err(|e| DataFusionError::Execution(format!("{}: row {i}: {e}", self.name)))?;
            out.push(Some(v));
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}

/// One argument column.
struct Column<'a> {
    array: &'a ArrayRef,
    read: Read<'a>,
}

enum Read<'a> {
    F(&'a Float64Array),
    I(&'a datafusion::arrow::array::Int64Array),
    Dec128(&'a datafusion::arrow::array::Decimal128Array, i8),
    Dec256(&'a datafusion::arrow::array::Decimal256Array, i8),
}

impl<'a> Column<'a> {
    fn new(name: &str, arg: &str, kind: Kind, array: &'a ArrayRef) -> Result<Column<'a>> {
        let bad = || {
            DataFusionError::Execution(format!(
                "{name}: {arg} has the unexpected type {}",
                array.data_type()
            ))
        };
        let read = match (kind, array.data_type()) {
            (Kind::I, _) => Read::I(array.as_primitive_opt::<Int64Type>().ok_or_else(bad)?),
            (_, DataType::Decimal128(_, s)) if kind == Kind::M => {
                Read::Dec128(array.as_primitive::<Decimal128Type>(), *s)
            }
            (_, DataType::Decimal256(_, s)) if kind == Kind::M => {
                Read::Dec256(array.as_primitive::<Decimal256Type>(), *s)
            }
            _ => Read::F(array.as_primitive_opt::<Float64Type>().ok_or_else(bad)?),
        };
        Ok(Column { array, read })
    }

    fn f64(&self, i: usize) -> f64 {
        match self.read {
            Read::F(a) => a.value(i),
            Read::I(a) => a.value(i) as f64,
            Read::Dec128(..) | Read::Dec256(..) => f64::NAN,
        }
    }

    fn u32(&self, what: &str, i: usize) -> Result<u32> {
        let v = match self.read {
            Read::I(a) => a.value(i),
            _ => {
                return Err(DataFusionError::Execution(format!(
                    "{what} must be an integer"
                )));
            }
        };
        u32::try_from(v).map_err(|_| {
            DataFusionError::Execution(format!("{what} must be in 0..=4294967295, got {v}"))
        })
    }

    fn decimal(&self, what: &str, i: usize) -> Result<Decimal> {
        match self.read {
            Read::Dec128(a, s) => money::from_decimal128(what, a.value(i), s),
            Read::Dec256(a, s) => money::from_decimal256(what, a.value(i), s),
            Read::F(a) => money::from_f64(what, a.value(i)),
            Read::I(a) => Ok(Decimal::from(a.value(i))),
        }
    }
}

fn crate_error(e: customer_value::Error) -> DataFusionError {
    DataFusionError::Execution(e.to_string())
}

impl Predictor {
    /// The value of row `i`, from the crate.
    fn row(&self, c: &[Column], i: usize) -> Result<f64> {
        let id = CustomerId::new(0);
        let four = |k: usize| {
            [
                c[k].f64(i),
                c[k + 1].f64(i),
                c[k + 2].f64(i),
                c[k + 3].f64(i),
            ]
        };
        match self.quantity {
            Quantity::PAlive(m) => {
                let model = m.params(four(0)).map_err(crate_error)?;
                let h = CustomerHistory::new(id, c[4].u32("x", i)?, c[5].f64(i), c[6].f64(i))
                    .map_err(crate_error)?;
                model.p_alive(&h).map_err(crate_error)
            }
            Quantity::ExpectedPurchases(m) => {
                let model = m.params(four(0)).map_err(crate_error)?;
                let h = CustomerHistory::new(id, c[4].u32("x", i)?, c[5].f64(i), c[6].f64(i))
                    .map_err(crate_error)?;
                model
                    .expected_purchases(&h, c[7].f64(i))
                    .map_err(crate_error)
            }
            Quantity::ExpectedSpend => {
                let gg = GammaGammaParams::new(c[0].f64(i), c[1].f64(i), c[2].f64(i))
                    .map_err(crate_error)?;
                let s =
                    SpendHistory::new(id, c[3].u32("x", i)?, c[4].decimal("monetary_value", i)?)
                        .map_err(crate_error)?;
                gg.expected_spend_f64(&s).map_err(crate_error)
            }
            Quantity::Clv(m) => {
                let model = m.params(four(0)).map_err(crate_error)?;
                let gg = GammaGammaParams::new(c[4].f64(i), c[5].f64(i), c[6].f64(i))
                    .map_err(crate_error)?;
                let x = c[7].u32("x", i)?;
                let customer = BtydCustomer::new(
                    CustomerHistory::new(id, x, c[8].f64(i), c[9].f64(i)).map_err(crate_error)?,
                    SpendHistory::new(id, x, c[10].decimal("monetary_value", i)?)
                        .map_err(crate_error)?,
                )
                .map_err(crate_error)?;
                let discount =
                    DiscountRate::new(c[12].decimal("discount", i)?).map_err(crate_error)?;
                BtydClv::builder(model, gg)
                    .periods(c[11].u32("periods", i)?)
                    .discount(discount)
                    .period_length(c[13].f64(i))
                    .build()
                    .and_then(|clv| clv.value_f64(&customer))
                    .map_err(crate_error)
            }
        }
    }
}
