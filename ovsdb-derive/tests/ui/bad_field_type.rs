#[derive(Debug, Clone, PartialEq, Default)]
struct NotAValue;

#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port")]
struct Port {
    name: String,
    tag: NotAValue,
}

fn main() {}
