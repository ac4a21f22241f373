//! Loose table and column names, as `db-ctl-base.c` matches them: case-insensitive, `-` and
//! `_` equivalent, and any unique prefix (`open` = `Open_vSwitch`, `--columns=network` =
//! `networks`). An exact match always wins.

use ovsdb::schema::{DatabaseSchema, TableSchema};

use super::error::CtlError;

/// `score_partial_match`: how well `name` matches what the user typed.
fn score(name: &str, typed: &str) -> u32 {
    if name == typed {
        return u32::MAX;
    }
    let fold = |c: u8| {
        if c == b'-' {
            b'_'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let (n, t) = (name.as_bytes(), typed.as_bytes());
    let mut i = 0;
    loop {
        let (a, b) = (n.get(i).copied(), t.get(i).copied());
        match (a, b) {
            (None, None) => return u32::MAX - 1,
            (Some(a), Some(b)) if fold(a) == fold(b) => i += 1,
            (_, None) => return i as u32,
            _ => return 0,
        }
    }
}

/// The best unique match among `names`: Ok(Some) found, Ok(None) no match, Err(the names
/// tied for the best score) ambiguous.
fn best<'a>(
    names: impl Iterator<Item = &'a str>,
    typed: &str,
) -> Result<Option<&'a str>, Vec<&'a str>> {
    let mut best_score = 0;
    let mut tied: Vec<&'a str> = Vec::new();
    for name in names {
        let s = score(name, typed);
        if s > best_score {
            best_score = s;
            tied = vec![name];
        } else if s == best_score && s > 0 {
            tied.push(name);
        }
    }
    match tied.len() {
        0 => Ok(None),
        1 => Ok(Some(tied[0])),
        _ => Err(tied),
    }
}

/// The table `typed` names (`get_table`), with db-ctl-base's errors.
pub fn table<'s>(
    schema: &'s DatabaseSchema,
    typed: &str,
) -> Result<(&'s str, &'s TableSchema), CtlError> {
    match best(schema.tables.keys().map(String::as_str), typed) {
        Ok(Some(name)) => Ok((name, &schema.tables[name])),
        Ok(None) => Err(CtlError::new(format!("unknown table \"{typed}\""))),
        Err(tied) => Err(CtlError::new(format!(
            "\"{typed}\" matches multiple table names: {}",
            tied.join(", ")
        ))),
    }
}

/// The column of `table` that `typed` names (`get_column`); `_uuid` is not a column here.
pub fn column<'s>(
    table_name: &str,
    table: &'s TableSchema,
    typed: &str,
) -> Result<&'s str, CtlError> {
    match best(table.columns.keys().map(String::as_str), typed) {
        Ok(Some(name)) => Ok(name),
        Ok(None) => Err(CtlError::new(format!(
            "{table_name} does not contain a column whose name matches \"{typed}\""
        ))),
        Err(tied) => Err(CtlError::new(format!(
            "{table_name} contains more than one column whose name matches \"{typed}\": {}",
            tied.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_like_db_ctl_base() {
        assert_eq!(score("Open_vSwitch", "Open_vSwitch"), u32::MAX);
        assert_eq!(score("Open_vSwitch", "open_vswitch"), u32::MAX - 1);
        assert_eq!(score("Open_vSwitch", "open"), 4);
        assert_eq!(score("Logical_Switch", "logical-switch"), u32::MAX - 1);
        assert_eq!(score("Logical_Switch", "logical-router"), 0);
    }

    #[test]
    fn exact_beats_prefix_and_ties_are_ambiguous() {
        let names = ["Logical_Switch", "Logical_Switch_Port", "Logical_Router"];
        assert_eq!(
            best(names.iter().copied(), "logical_switch"),
            Ok(Some("Logical_Switch"))
        );
        assert_eq!(
            best(names.iter().copied(), "logical_switch_p"),
            Ok(Some("Logical_Switch_Port"))
        );
        assert_eq!(
            best(names.iter().copied(), "logical"),
            Err(vec![
                "Logical_Switch",
                "Logical_Switch_Port",
                "Logical_Router"
            ])
        );
        assert_eq!(best(names.iter().copied(), "nat"), Ok(None));
    }
}
