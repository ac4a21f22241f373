//! `--id=@name` symbols: names that stand for the UUID of a row created in the same run.
//!
//! The C tools bind a symbol to a `named-uuid`; we choose the row's real UUID on the client
//! (ovsdb-server accepts an insert's `uuid` member), so a symbol is a UUID from the moment it
//! is first mentioned, forward references work without a second pass, and `create` can print
//! the UUID it made before the transaction is even sent.

use std::collections::BTreeMap;

use ovsdb::data::Uuid;

/// One symbol: its UUID, and whether a command created the row and whether one referred to it.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The UUID the row gets.
    pub uuid: Uuid,
    /// Set by the command that creates the row (`--id=@name create ...`).
    pub created: bool,
    /// Set when a value refers to `@name`.
    pub referenced: bool,
    /// The row will persist: it is in a root table, or a strong reference to it was written.
    pub strong_ref: bool,
    /// A weak reference to it was written.
    pub weak_ref: bool,
}

/// Every symbol of one run.
#[derive(Debug, Default, Clone)]
pub struct SymbolTable {
    symbols: BTreeMap<String, Symbol>,
}

impl SymbolTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The symbol called `name` (with its `@`), made on first use.
    pub fn get_or_create(&mut self, name: &str) -> &mut Symbol {
        self.symbols
            .entry(name.to_string())
            .or_insert_with(|| Symbol {
                uuid: Uuid::new_v4(),
                created: false,
                referenced: false,
                strong_ref: false,
                weak_ref: false,
            })
    }

    /// The UUID of `name` as a value refers to it (marks it referenced).
    pub fn reference(&mut self, name: &str) -> Uuid {
        let symbol = self.get_or_create(name);
        symbol.referenced = true;
        symbol.uuid
    }

    /// The UUID of `name` as a reference column refers to it: `strong` for a strong reference.
    pub fn reference_from(&mut self, name: &str, strong: bool) -> Uuid {
        let symbol = self.get_or_create(name);
        symbol.referenced = true;
        if strong {
            symbol.strong_ref = true;
        } else {
            symbol.weak_ref = true;
        }
        symbol.uuid
    }

    /// The symbol called `name`, if one was mentioned.
    pub fn get(&self, name: &str) -> Option<&Symbol> {
        self.symbols.get(name)
    }

    /// Symbols in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Symbol)> {
        self.symbols.iter().map(|(k, v)| (k.as_str(), v))
    }
}
