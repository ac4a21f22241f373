//! `rnbctl`: a drop-in `ovn-nbctl`.

fn main() {
    bins::ctl::runner::main(&bins::nbctl::TOOL)
}
