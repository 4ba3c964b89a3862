//! The JS-call-level benchmark written with Neon 1.x: a payload in a
//! `JsBox<RefCell<T>>` (Neon's documented way to get run-time-checked
//! `&T`/`&mut T` to boxed data), read (one field, returned as a JS number):
//! the same work the C bench addon does through libextref.

use neon::prelude::*;
use std::cell::RefCell;

/// The same 64-byte payload as the C addon's.
pub struct Payload {
  pub value: f64,
  pub pad: [u64; 7],
}

impl Finalize for Payload {}

type Boxed = JsBox<RefCell<Payload>>;

fn create(mut cx: FunctionContext) -> JsResult<Boxed> {
  let value = cx.argument::<JsNumber>(0)?.value(&mut cx);
  Ok(cx.boxed(RefCell::new(Payload { value, pad: [0; 7] })))
}

/// Shared borrow: `RefCell::borrow`.
fn read(mut cx: FunctionContext) -> JsResult<JsNumber> {
  let p = cx.argument::<Boxed>(0)?;
  let v = p.borrow().value;
  Ok(cx.number(v))
}

/// Exclusive borrow: `RefCell::borrow_mut`.
fn read_mut(mut cx: FunctionContext) -> JsResult<JsNumber> {
  let p = cx.argument::<Boxed>(0)?;
  let mut m = p.borrow_mut();
  m.pad[0] = m.pad[0].wrapping_add(1);
  let v = m.value;
  Ok(cx.number(v))
}

#[neon::main]
fn main(mut cx: ModuleContext) -> NeonResult<()> {
  cx.export_function("create", create)?;
  cx.export_function("read", read)?;
  cx.export_function("readMut", read_mut)?;
  Ok(())
}
