//! Columns handed over through the Arrow PyCapsule interface
//! (`__arrow_c_array__` / `__arrow_c_stream__`): pyarrow arrays and chunked
//! arrays, polars Series, pandas columns with an Arrow dtype.
//!
//! The column's buffers are read in place through Arrow's C data
//! interface; no Python object is made per element. A float64 column in one
//! chunk without nulls becomes a numpy array over the Arrow buffer itself
//! (no copy); other numeric types, several chunks, dates and timestamps are
//! converted in one pass here. A null is refused (it would otherwise turn
//! into a silent NaN).

use std::ffi::CStr;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, from_ffi_and_data_type};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, make_array};
use arrow_schema::{DataType, Field, TimeUnit};
use customer_value::{Decimal, Error};
use numpy::ndarray::ArrayView1;
use numpy::{IntoPyArray, PyArray1};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::{invalid, to_py};

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";
const STREAM: &CStr = c"arrow_array_stream";

/// Keeps an imported Arrow array alive while a numpy array views its
/// values.
#[pyclass(frozen)]
struct ArrowValues {
    _array: ArrayRef,
}

fn arrow_error(name: &str, e: impl std::fmt::Display) -> PyErr {
    to_py(invalid(
        "Arrow column",
        format!("{name}: cannot import through the Arrow C interface: {e}"),
    ))
}

/// The data type and chunks of a column exported through the Arrow
/// PyCapsule interface (a stream is preferred: it carries every chunk).
fn chunks(column: &Bound<'_, PyAny>, name: &str) -> PyResult<(DataType, Vec<ArrayRef>)> {
    let py = column.py();
    if column.hasattr(intern!(py, "__arrow_c_stream__"))? {
        let capsule = column
            .call_method0(intern!(py, "__arrow_c_stream__"))?
            .cast_into::<PyCapsule>()?;
        let raw = capsule
            .pointer_checked(Some(STREAM))?
            .cast::<FFI_ArrowArrayStream>();
        // SAFETY: the capsule holds a valid stream (the interface's
        // contract); `from_raw` moves it out and leaves a released one
        // behind, so the capsule's destructor does not release it twice.
        let mut stream = unsafe { FFI_ArrowArrayStream::from_raw(raw.as_ptr()) };
        let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
            return Err(arrow_error(name, "the stream is released"));
        };
        let mut schema = FFI_ArrowSchema::empty();
        // SAFETY: a live stream and an empty schema to fill.
        if unsafe { get_schema(&mut stream, &mut schema) } != 0 {
            return Err(arrow_error(name, "the stream gave no schema"));
        }
        let data_type = Field::try_from(&schema)
            .map_err(|e| arrow_error(name, e))?
            .data_type()
            .clone();
        let mut out = Vec::new();
        loop {
            let mut array = FFI_ArrowArray::empty();
            // SAFETY: a live stream and an empty array to fill.
            if unsafe { get_next(&mut stream, &mut array) } != 0 {
                return Err(arrow_error(name, "the stream failed"));
            }
            if array.is_released() {
                break;
            }
            // SAFETY: the array was just exported with the stream's type.
            let data = unsafe { from_ffi_and_data_type(array, data_type.clone()) }
                .map_err(|e| arrow_error(name, e))?;
            out.push(make_array(data));
        }
        return Ok((data_type, out));
    }
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = column
        .call_method0(intern!(py, "__arrow_c_array__"))?
        .extract()?;
    let schema = schema
        .pointer_checked(Some(SCHEMA))?
        .cast::<FFI_ArrowSchema>();
    let array = array.pointer_checked(Some(ARRAY))?.cast::<FFI_ArrowArray>();
    // SAFETY: the capsules hold a valid schema (borrowed while the capsule
    // lives) and array (moved out, leaving a released one for the
    // capsule's destructor).
    let data = unsafe { from_ffi(FFI_ArrowArray::from_raw(array.as_ptr()), schema.as_ref()) }
        .map_err(|e| arrow_error(name, e))?;
    let data_type = data.data_type().clone();
    Ok((data_type, vec![make_array(data)]))
}

/// Refuses a chunk with nulls, naming the first null's row.
fn no_nulls(name: &str, chunk: &dyn Array, base: usize) -> Result<(), Error> {
    match chunk.logical_nulls() {
        Some(nulls) if nulls.null_count() > 0 => {
            let i = (0..chunk.len()).find(|&i| nulls.is_null(i)).unwrap_or(0);
            Err(invalid(
                "value",
                format!(
                    "{name}[{}] is missing ({} such values)",
                    base + i,
                    nulls.null_count()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// A numeric Arrow column as float64 values, one pass, in place where it
/// already is float64 in one chunk without nulls.
///
/// Errors: `InvalidValueError` for nulls or a type that is not a number.
#[pyfunction]
pub fn arrow_floats<'py>(
    column: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let py = column.py();
    let (data_type, chunks) = chunks(column, name)?;
    if let ([only], DataType::Float64) = (&chunks[..], &data_type) {
        no_nulls(name, only.as_ref(), 0).map_err(to_py)?;
        let values = only.as_primitive::<Float64Type>().values();
        let view = ArrayView1::from(&values[..]);
        let keep = Bound::new(
            py,
            ArrowValues {
                _array: only.clone(),
            },
        )?;
        // SAFETY: `keep` owns the Arrow array whose buffer `view` points
        // into, and becomes the numpy array's base, so the buffer outlives
        // the numpy array; Arrow buffers are immutable and nothing here
        // writes through the view.
        return Ok(unsafe { PyArray1::borrow_from_array(&view, keep.into_any()) });
    }
    let total = chunks.iter().map(|c| c.len()).sum();
    let mut out: Vec<f64> = Vec::with_capacity(total);
    for chunk in &chunks {
        no_nulls(name, chunk.as_ref(), out.len()).map_err(to_py)?;
        macro_rules! widen {
            ($t:ty) => {
                out.extend(
                    chunk
                        .as_primitive::<$t>()
                        .values()
                        .iter()
                        .map(|&v| v as f64),
                )
            };
        }
        match &data_type {
            DataType::Float64 => {
                out.extend_from_slice(chunk.as_primitive::<Float64Type>().values())
            }
            DataType::Float32 => out.extend(
                chunk
                    .as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|&v| f64::from(v)),
            ),
            DataType::Int8 => widen!(Int8Type),
            DataType::Int16 => widen!(Int16Type),
            DataType::Int32 => widen!(Int32Type),
            DataType::Int64 => widen!(Int64Type),
            DataType::UInt8 => widen!(UInt8Type),
            DataType::UInt16 => widen!(UInt16Type),
            DataType::UInt32 => widen!(UInt32Type),
            DataType::UInt64 => widen!(UInt64Type),
            // As numpy reads booleans: 1 and 0.
            DataType::Boolean => out.extend(
                chunk
                    .as_boolean()
                    .values()
                    .iter()
                    .map(|b| if b { 1.0 } else { 0.0 }),
            ),
            other => {
                return Err(to_py(invalid(
                    "value",
                    format!("{name}: Arrow type {other} is not a number"),
                )));
            }
        }
    }
    Ok(out.into_pyarray(py))
}

/// Whole periods of `seconds` seconds since 1970-01-01 00:00, floored,
/// from an Arrow date or time-zone-naive timestamp column (wall-clock
/// time, as pandas reads a naive timestamp). `None` for a time-zone-aware
/// timestamp or another type, which the caller converts through pandas.
///
/// Errors: `InvalidValueError` for nulls; `InvalidParameterError` for
/// `seconds` < 1.
#[pyfunction]
pub fn arrow_periods<'py>(
    column: &Bound<'py, PyAny>,
    name: &str,
    seconds: i64,
) -> PyResult<Option<Bound<'py, PyArray1<i64>>>> {
    if seconds < 1 {
        return Err(to_py(Error::InvalidParameter {
            name: "seconds",
            value: seconds.to_string(),
            reason: "must be >= 1",
        }));
    }
    let py = column.py();
    let (data_type, chunks) = chunks(column, name)?;
    // Ticks of the column per period, and the column's values as ticks.
    let per_period = |ticks_per_second: i64| -> PyResult<i64> {
        seconds.checked_mul(ticks_per_second).ok_or_else(|| {
            to_py(Error::InvalidParameter {
                name: "seconds",
                value: seconds.to_string(),
                reason: "too large",
            })
        })
    };
    let period = match &data_type {
        DataType::Date32 => 0,
        DataType::Date64 => per_period(1_000)?,
        DataType::Timestamp(unit, None) => per_period(match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        })?,
        _ => return Ok(None),
    };
    let total = chunks.iter().map(|c| c.len()).sum();
    let mut out: Vec<i64> = Vec::with_capacity(total);
    for chunk in &chunks {
        no_nulls(name, chunk.as_ref(), out.len()).map_err(to_py)?;
        macro_rules! floor {
            ($t:ty) => {
                out.extend(
                    chunk
                        .as_primitive::<$t>()
                        .values()
                        .iter()
                        .map(|&v| v.div_euclid(period)),
                )
            };
        }
        match &data_type {
            DataType::Date32 => {
                let days = chunk.as_primitive::<Date32Type>().values();
                if seconds % 86_400 == 0 {
                    let per = seconds / 86_400;
                    out.extend(days.iter().map(|&d| i64::from(d).div_euclid(per)));
                } else {
                    out.extend(
                        days.iter()
                            .map(|&d| (i64::from(d) * 86_400).div_euclid(seconds)),
                    );
                }
            }
            DataType::Date64 => floor!(Date64Type),
            DataType::Timestamp(TimeUnit::Second, _) => floor!(TimestampSecondType),
            DataType::Timestamp(TimeUnit::Millisecond, _) => floor!(TimestampMillisecondType),
            DataType::Timestamp(TimeUnit::Microsecond, _) => floor!(TimestampMicrosecondType),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => floor!(TimestampNanosecondType),
            _ => return Ok(None),
        }
    }
    Ok(Some(out.into_pyarray(py)))
}

/// Exact amounts from an Arrow `decimal128` column (scale 0 to 28, values
/// within 96 bits: rust_decimal's range), one pass, no float on the way;
/// `None` for a column of another type.
///
/// Errors: `InvalidValueError` for nulls, a negative or too large scale, or
/// a value beyond 96 bits.
pub(crate) fn arrow_decimals(
    column: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<Option<Vec<Decimal>>> {
    let (data_type, chunks) = chunks(column, name)?;
    let DataType::Decimal128(_, scale) = data_type else {
        return Ok(None);
    };
    let scale = u32::try_from(scale)
        .ok()
        .filter(|&s| s <= 28)
        .ok_or_else(|| {
            to_py(invalid(
                "amount",
                format!("{name}: decimal scale {scale} is outside 0..=28"),
            ))
        })?;
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for chunk in &chunks {
        no_nulls(name, chunk.as_ref(), out.len()).map_err(to_py)?;
        for &m in chunk.as_primitive::<Decimal128Type>().values().iter() {
            let d = Decimal::try_from_i128_with_scale(m, scale).map_err(|e| {
                to_py(invalid(
                    "amount",
                    format!("{name}[{}]: {m}e-{scale}: {e}", out.len()),
                ))
            })?;
            out.push(d);
        }
    }
    Ok(Some(out))
}
