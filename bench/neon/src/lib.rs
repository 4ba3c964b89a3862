//! The JS-call-level benchmark written with Neon 1.x: a payload in a
//! `JsBox<T>`, read (one field, returned as a JS number), the same work the C
//! bench addon does through libextref.

use neon::prelude::*;
use std::cell::Cell;

/// The same 64-byte payload as the C addon's; the counter is a Cell because
/// JsBox only hands out shared references.
pub struct Payload {
  pub value: f64,
  pub pad: [Cell<u64>; 7],
}

impl Finalize for Payload {}

fn create(mut cx: FunctionContext) -> JsResult<JsBox<Payload>> {
  let value = cx.argument::<JsNumber>(0)?.value(&mut cx);
  let pad = Default::default();
  Ok(cx.boxed(Payload { value, pad }))
}

fn read(mut cx: FunctionContext) -> JsResult<JsNumber> {
  let p = cx.argument::<JsBox<Payload>>(0)?;
  Ok(cx.number(p.value))
}

fn read_mut(mut cx: FunctionContext) -> JsResult<JsNumber> {
  let p = cx.argument::<JsBox<Payload>>(0)?;
  p.pad[0].set(p.pad[0].get().wrapping_add(1));
  Ok(cx.number(p.value))
}

#[neon::main]
fn main(mut cx: ModuleContext) -> NeonResult<()> {
  cx.export_function("create", create)?;
  cx.export_function("read", read)?;
  cx.export_function("readMut", read_mut)?;
  Ok(())
}
