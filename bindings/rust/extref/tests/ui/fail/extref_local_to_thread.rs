// A thread-bound payload's Extref cannot leave its thread.
use extref::napi::Extref;

#[repr(C)]
struct Local {
  value: i64,
}
extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });

fn keep(c: Extref<Local>) {
  std::thread::spawn(move || c.borrow().map(|l| l.value).ok());
}

fn main() {}
