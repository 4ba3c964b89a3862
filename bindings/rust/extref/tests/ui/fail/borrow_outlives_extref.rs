// A borrow cannot outlive the Extref (the hold) it came from.
use extref::napi::Extref;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });

fn leak(c: Extref<Counter>) -> extref::Ref<'static, Counter> {
  c.borrow().unwrap()
}

fn main() {}
