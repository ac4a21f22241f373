//! `rvsctl`: a drop-in `ovs-vsctl`.

fn main() {
    bins::ctl::runner::main(&bins::vsctl::TOOL)
}
