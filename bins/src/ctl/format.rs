//! Output formats: OVS 3.1's `lib/table.c` (`table_print` with a `table_style`) and the cell
//! rendering that `lib/db-ctl-base.c` gives `list` and `find`, byte for byte as `ovn-nbctl` and
//! `ovs-vsctl` print them.
//!
//! | `-f`    | output                                                                     |
//! |---------|----------------------------------------------------------------------------|
//! | `list`  | `heading<pad to 20>: value` per column, a blank line between records        |
//! | `table` | left-aligned columns, a `---` rule under the headings, trailing spaces cut  |
//! | `csv`   | RFC 4180, a cell quoted only if it holds `"`, `,` or a newline              |
//! | `json`  | `{"data":[[..]],"headings":[..]}`, cells as JSON whatever `-d` says         |
//! | `html`  | `<table border=1>`, UUIDs turned into links                                 |
//!
//! Several tables printed by one run (`list a -- list b`) are separated by a blank line in the
//! `list`, `table` and `csv` formats, even when a table is empty: use [`Printer`] for that.

use std::borrow::Cow;
use std::fmt::Write as _;

use ovsdb::data::text::{self, G15};
use ovsdb::data::{Atom, Datum};
use ovsdb::schema::{ColumnType, Max};

/// `-f` / `--format`: the layout of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `list`: one `heading: value` line per column, records separated by a blank line.
    List,
    /// `table`: aligned columns under a heading line and a `---` rule.
    Table,
    /// `csv`: comma-separated values.
    Csv,
    /// `json`: one JSON object with `data` and `headings`.
    Json,
    /// `html`: an HTML `<table>`.
    Html,
}

/// `-d` / `--data`: how a cell's value is written (ignored by `-f json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// `string`: the string syntax of `ovsdb_datum_to_string` (`[a, b]`, `{k=v}`, quoting).
    String,
    /// `bare`: `ovsdb_datum_to_bare` (space-separated, nothing quoted or bracketed).
    Bare,
    /// `json`: the datum's JSON (`["set",[..]]`, `["map",[..]]`, `["uuid",".."]`).
    Json,
}

/// What `-f`, `-d`, `--no-headings`, `--pretty` and `--bare` set. The default is what the
/// tools print without options: list format, string data, headings, no pretty-printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// The layout (`-f`).
    pub format: Format,
    /// The cell syntax (`-d`).
    pub data: DataFormat,
    /// Whether headings are printed (off with `--no-headings`).
    pub headings: bool,
    /// Whether JSON output is pretty-printed (`--pretty`).
    pub pretty: bool,
    /// `--max-column-width`: table-format cells are cut to this many bytes (0: no limit).
    pub max_column_width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            format: Format::List,
            data: DataFormat::String,
            headings: true,
            pretty: false,
            max_column_width: 0,
        }
    }
}

impl Style {
    /// What `--bare` sets: `--format=list --data=bare --no-headings`.
    pub fn bare() -> Self {
        Style {
            format: Format::List,
            data: DataFormat::Bare,
            headings: false,
            pretty: false,
            max_column_width: 0,
        }
    }

    /// Parses the argument of `-f` (`table_parse_format`); names are case-sensitive. The
    /// error is OVS's message, without the program name the caller puts in front.
    pub fn parse_format(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "list" => Ok(Format::List),
            "html" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown output format \"{s}\"")),
        }
    }

    /// Parses the argument of `-d` (`table_parse_cell_format`); names are case-sensitive. The
    /// error is OVS's message, without the program name the caller puts in front.
    pub fn parse_data(s: &str) -> Result<DataFormat, String> {
        match s {
            "string" => Ok(DataFormat::String),
            "bare" => Ok(DataFormat::Bare),
            "json" => Ok(DataFormat::Json),
            _ => Err(format!("unknown data format \"{s}\"")),
        }
    }
}

/// One cell: a value and its column type. The type decides the brackets (a column whose `max`
/// is above 1 prints `[a]` even with one element) and the JSON form (a map column is always
/// `["map",..]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The value.
    pub datum: Datum,
    /// The type of the column the value comes from.
    pub ty: ColumnType,
}

impl Cell {
    /// A cell of `datum` in a column of type `ty`.
    pub fn new(datum: Datum, ty: ColumnType) -> Self {
        Cell { datum, ty }
    }
}

/// A table to print: headings and rows of cells. A row shorter than the headings prints its
/// missing cells as empty text (`null` in JSON); cells beyond the headings are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutTable {
    /// The column headings, in output order.
    pub headings: Vec<String>,
    /// The rows, each a cell per heading.
    pub rows: Vec<Vec<Cell>>,
}

/// Appends `table` in `style` to `out`, as `table_print` prints the first table of a run.
pub fn render(table: &OutTable, style: &Style, out: &mut String) {
    Printer::new().render(table, style, out);
}

/// Prints the tables of one run in sequence. `table.c` counts the tables it has printed and
/// puts a newline before every table but the first in the `list`, `table` and `csv` formats
/// (an empty table still counts and still gets its newline); `json` and `html` tables follow
/// each other directly.
#[derive(Debug, Clone, Default)]
pub struct Printer {
    printed: usize,
}

impl Printer {
    /// A printer that has printed nothing yet.
    pub fn new() -> Self {
        Printer::default()
    }

    /// Appends `table` in `style` to `out`, after a separating newline if a table was
    /// printed before in a format that separates tables.
    pub fn render(&mut self, table: &OutTable, style: &Style, out: &mut String) {
        let first = self.printed == 0;
        self.printed = self.printed.saturating_add(1);
        match style.format {
            Format::List | Format::Table | Format::Csv if !first => out.push('\n'),
            _ => {}
        }
        match style.format {
            Format::List => render_list(table, style, out),
            Format::Table => render_table(table, style, out),
            Format::Csv => render_csv(table, style, out),
            Format::Json => render_json(table, style, out),
            Format::Html => render_html(table, style, out),
        }
    }
}

/// One cell as text in a data format (`cell_to_text`): `String` is `ovsdb_datum_to_string`
/// (bracketed when the column's `max` is above 1 or the value is empty), `Bare` is
/// `ovsdb_datum_to_bare`, `Json` is the datum's JSON as ovsdb-server writes it, compact (a
/// one-element set as its bare atom, a map column always as `["map",..]`).
pub fn cell_to_text(cell: &Cell, data: DataFormat) -> String {
    match data {
        DataFormat::String => {
            let multi = cell.ty.max != Max::Limited(1) && cell.ty.max != Max::Limited(0);
            text::datum_to_string(&normalized(cell), multi)
        }
        DataFormat::Bare => text::datum_to_bare(&cell.datum),
        DataFormat::Json => {
            let mut s = String::new();
            JsonWriter::new(&mut s, false).datum(&cell.datum, &cell.ty);
            s
        }
    }
}

/// The datum with an empty value of the wrong kind replaced by the column's kind: OVS takes
/// `{}` versus `[]` from the column type, not the value.
fn normalized(cell: &Cell) -> Cow<'_, Datum> {
    match &cell.datum {
        Datum::Set(s) if s.is_empty() && cell.ty.is_map() => Cow::Owned(Datum::empty_map()),
        Datum::Map(m) if m.is_empty() && !cell.ty.is_map() => Cow::Owned(Datum::empty_set()),
        d => Cow::Borrowed(d),
    }
}

/// The text of column `x` of `row`, empty if the row has no such cell.
fn text_at(row: &[Cell], x: usize, data: DataFormat) -> String {
    row.get(x)
        .map(|cell| cell_to_text(cell, data))
        .unwrap_or_default()
}

/// Pads `out` with spaces to `width` bytes past `start` (C's `%-*s` counts bytes).
fn pad(out: &mut String, start: usize, width: usize) {
    let written = out.len().saturating_sub(start);
    for _ in written..width {
        out.push(' ');
    }
}

/// `table_finish_line`: drops the trailing spaces of the line (not before `floor`), then
/// ends it.
fn finish_line(out: &mut String, floor: usize) {
    while out.len() > floor && out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
}

/// `table_print_list__`.
fn render_list(table: &OutTable, style: &Style, out: &mut String) {
    for (y, row) in table.rows.iter().enumerate() {
        if y > 0 {
            out.push('\n');
        }
        for (x, heading) in table.headings.iter().enumerate() {
            if style.headings {
                let start = out.len();
                out.push_str(heading);
                pad(out, start, 20);
                out.push_str(": ");
            }
            out.push_str(&text_at(row, x, style.data));
            out.push('\n');
        }
    }
}

/// `table_print_table__`.
fn render_table(table: &OutTable, style: &Style, out: &mut String) {
    let floor = out.len();
    let texts: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            (0..table.headings.len())
                .map(|x| text_at(row, x, style.data))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = table
        .headings
        .iter()
        .enumerate()
        .map(|(x, heading)| {
            let cells = texts
                .iter()
                .filter_map(|row| row.get(x))
                .map(String::len)
                .max()
                .unwrap_or(0);
            let cells = match style.max_column_width {
                0 => cells,
                max => cells.min(max),
            };
            if style.headings {
                cells.max(heading.len())
            } else {
                cells
            }
        })
        .collect();

    if style.headings {
        for (x, (heading, width)) in table.headings.iter().zip(&widths).enumerate() {
            if x > 0 {
                out.push(' ');
            }
            let start = out.len();
            out.push_str(heading);
            pad(out, start, *width);
        }
        finish_line(out, floor);
        for (x, width) in widths.iter().enumerate() {
            if x > 0 {
                out.push(' ');
            }
            out.push_str(&"-".repeat(*width));
        }
        finish_line(out, floor);
    }
    for row in &texts {
        for (x, (text, width)) in row.iter().zip(&widths).enumerate() {
            if x > 0 {
                out.push(' ');
            }
            let start = out.len();
            // `%-*.*s`: at most `width` bytes (cut at a character boundary).
            let mut end = text.len().min(*width);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&text[..end]);
            pad(out, start, *width);
        }
        finish_line(out, floor);
    }
}

/// `table_print_csv_cell__`: quoted, with `"` doubled, only if it holds `"`, `,` or `\n`.
fn csv_cell(out: &mut String, content: &str) {
    if content.contains(['\n', '"', ',']) {
        out.push('"');
        out.push_str(&content.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(content);
    }
}

/// `table_print_csv__`.
fn render_csv(table: &OutTable, style: &Style, out: &mut String) {
    if style.headings {
        for (x, heading) in table.headings.iter().enumerate() {
            if x > 0 {
                out.push(',');
            }
            csv_cell(out, heading);
        }
        out.push('\n');
    }
    for row in &table.rows {
        for x in 0..table.headings.len() {
            if x > 0 {
                out.push(',');
            }
            csv_cell(out, &text_at(row, x, style.data));
        }
        out.push('\n');
    }
}

/// `table_print_json__`: the object's members sorted (`data` before `headings`), cells as
/// JSON whatever the data format, then a newline.
fn render_json(table: &OutTable, style: &Style, out: &mut String) {
    let mut w = JsonWriter::new(out, style.pretty);
    w.out.push('{');
    w.depth += 1;
    w.indent();
    w.member_name("data");
    w.array(&table.rows, |w, row| {
        w.array(0..table.headings.len(), |w, x| match row.get(x) {
            Some(cell) => w.datum(&cell.datum, &cell.ty),
            None => w.out.push_str("null"),
        });
    });
    w.out.push(',');
    w.indent();
    w.member_name("headings");
    w.array(&table.headings, |w, heading| {
        text::write_json_string(w.out, heading);
    });
    w.out.push('}');
    out.push('\n');
}

/// `json_to_ds`: OVS's JSON serializer, compact or pretty (two spaces a level, a newline after
/// every `[` or `{` that has members and before each further member, closing brackets on the
/// line of the last member).
struct JsonWriter<'a> {
    out: &'a mut String,
    pretty: bool,
    depth: usize,
}

impl<'a> JsonWriter<'a> {
    fn new(out: &'a mut String, pretty: bool) -> Self {
        JsonWriter {
            out,
            pretty,
            depth: 0,
        }
    }

    fn indent(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth * 2 {
                self.out.push(' ');
            }
        }
    }

    fn member_name(&mut self, name: &str) {
        text::write_json_string(self.out, name);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
    }

    /// An array of `items`, each written by `elem`.
    fn array<I: IntoIterator>(&mut self, items: I, mut elem: impl FnMut(&mut Self, I::Item)) {
        self.out.push('[');
        self.depth += 1;
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.indent();
            elem(self, item);
        }
        self.depth -= 1;
        self.out.push(']');
    }

    /// A two-element array, its elements written by `first` and `second`.
    fn pair(&mut self, first: impl FnOnce(&mut Self), second: impl FnOnce(&mut Self)) {
        self.out.push('[');
        self.depth += 1;
        self.indent();
        first(self);
        self.out.push(',');
        self.indent();
        second(self);
        self.depth -= 1;
        self.out.push(']');
    }

    /// `["tag", "text"]`, as `["uuid", ..]` and `["named-uuid", ..]` are written.
    fn tagged(&mut self, tag: &str, s: &str) {
        self.pair(
            |w| text::write_json_string(w.out, tag),
            |w| text::write_json_string(w.out, s),
        );
    }

    /// `ovsdb_atom_to_json`.
    fn atom(&mut self, atom: &Atom) {
        match atom {
            Atom::Integer(i) => {
                let _ = write!(self.out, "{i}");
            }
            Atom::Real(r) => {
                let _ = write!(self.out, "{}", G15(*r));
            }
            Atom::Boolean(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Atom::String(s) => text::write_json_string(self.out, s),
            Atom::Uuid(u) => self.tagged("uuid", &u.to_string()),
            Atom::NamedUuid(n) => self.tagged("named-uuid", n),
        }
    }

    /// `ovsdb_datum_to_json`: a map column as `["map", [[k, v], ..]]`, else a single atom
    /// bare and any other count as `["set", [..]]`.
    fn datum(&mut self, datum: &Datum, ty: &ColumnType) {
        match datum {
            Datum::Map(m) => self.pair(
                |w| text::write_json_string(w.out, "map"),
                |w| w.array(m.iter(), |w, (k, v)| w.pair(|w| w.atom(k), |w| w.atom(v))),
            ),
            Datum::Set(s) if s.is_empty() && ty.is_map() => {
                self.datum(&Datum::empty_map(), ty);
            }
            Datum::Set(s) => match s.as_slice() {
                [one] => self.atom(one),
                atoms => self.pair(
                    |w| text::write_json_string(w.out, "set"),
                    |w| w.array(atoms, |w, atom| w.atom(atom)),
                ),
            },
        }
    }
}

/// `table_escape_html_text__`: `&`, `<`, `>` and `"` as entities.
fn html_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// If `s` starts with a UUID's 8-4-4-4-12 hex digits (`uuid_from_string_prefix`, either
/// case), that UUID and the rest of `s`.
fn uuid_prefix(s: &str) -> Option<(&str, &str)> {
    let uuid = s.get(..36)?;
    let is_uuid = uuid.bytes().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => c == b'-',
        _ => c.is_ascii_hexdigit(),
    });
    if is_uuid {
        Some((uuid, s.get(36..)?))
    } else {
        None
    }
}

/// `table_print_html_cell__`: escaped text with every UUID in it turned into a link to the
/// row (`<a href="#UUID">first 8 digits</a>`).
fn html_cell(out: &mut String, element: &str, content: &str) {
    let _ = write!(out, "    <{element}>");
    let mut s = content;
    while let Some(c) = s.chars().next() {
        if let Some((uuid, rest)) = uuid_prefix(s) {
            let _ = write!(out, "<a href=\"#{uuid}\">{}</a>", prefix(uuid, 8));
            s = rest;
        } else {
            let (first, rest) = s.split_at(c.len_utf8());
            html_escape(out, first);
            s = rest;
        }
    }
    let _ = writeln!(out, "</{element}>");
}

/// The first `n` bytes of `s`, cut back to a character boundary.
fn prefix(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// `table_print_html__`: a `_uuid` column's cells become anchors named by the full text and
/// showing its first 8 bytes.
fn render_html(table: &OutTable, style: &Style, out: &mut String) {
    out.push_str("<table border=1>\n");
    if style.headings {
        out.push_str("  <tr>\n");
        for heading in &table.headings {
            html_cell(out, "th", heading);
        }
        out.push_str("  </tr>\n");
    }
    for row in &table.rows {
        out.push_str("  <tr>\n");
        for (x, heading) in table.headings.iter().enumerate() {
            let content = text_at(row, x, style.data);
            if heading == "_uuid" {
                out.push_str("    <td><a name=\"");
                html_escape(out, &content);
                out.push_str("\">");
                html_escape(out, prefix(&content, 8));
                out.push_str("</a></td>\n");
            } else {
                html_cell(out, "td", &content);
            }
        }
        out.push_str("  </tr>\n");
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    //! Expected strings are the real `ovn-nbctl` 23.03 (OVS 3.1 lib) and `ovs-vsctl` 3.1
    //! outputs, captured against a sandbox ovsdb-server.

    use super::*;
    use ovsdb::data::{AtomicType, Uuid};
    use ovsdb::schema::{BaseType, RefType};

    const SW0: &str = "02331214-3da7-43e4-985d-dce696ea81f6";
    const SW1: &str = "0bedfeab-c636-43e5-9d55-05adcfa92ae9";
    const P1: &str = "bc29f6db-cd9b-49d7-94d5-b5badfc0dec2";
    const LS_COLUMNS: [&str; 12] = [
        "_uuid",
        "acls",
        "copp",
        "dns_records",
        "external_ids",
        "forwarding_groups",
        "load_balancer",
        "load_balancer_group",
        "name",
        "other_config",
        "ports",
        "qos_rules",
    ];

    fn uuid(s: &str) -> Atom {
        Atom::Uuid(Uuid::parse(s).expect("uuid"))
    }

    fn refs(table: &str) -> ColumnType {
        ColumnType::set(
            BaseType::reference(table, RefType::Strong),
            0,
            Max::Unlimited,
        )
    }

    fn strmap() -> ColumnType {
        ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Unlimited)
    }

    /// The value and type of a column of the two switches of the sandbox:
    /// `ls-add sw0 -- lsp-add sw0 p1 -- set logical_switch sw0 external_ids:a=b
    /// 'other_config:"x:y"="1 2"'` and `ls-add sw1 -- set logical_switch sw1
    /// 'external_ids:"with,comma"="say \"hi\" <b>&"'`.
    fn ls_cell(sw: usize, column: &str) -> Cell {
        let (datum, ty) = match column {
            "_uuid" => (
                Datum::from(uuid(if sw == 0 { SW0 } else { SW1 })),
                ColumnType::scalar(AtomicType::Uuid),
            ),
            "copp" => (
                Datum::empty_set(),
                ColumnType::optional(BaseType::reference("Copp", RefType::Strong)),
            ),
            "external_ids" if sw == 0 => (Datum::map([("a", "b")]), strmap()),
            "external_ids" => (Datum::map([("with,comma", "say \"hi\" <b>&")]), strmap()),
            "name" => (
                Datum::from(if sw == 0 { "sw0" } else { "sw1" }),
                ColumnType::scalar(AtomicType::String),
            ),
            "other_config" if sw == 0 => (Datum::map([("x:y", "1 2")]), strmap()),
            "other_config" => (Datum::empty_map(), strmap()),
            "ports" if sw == 0 => (Datum::set([uuid(P1)]), refs("Logical_Switch_Port")),
            _ => (Datum::empty_set(), refs("X")),
        };
        Cell::new(datum, ty)
    }

    fn switches(columns: &[&str], which: &[usize]) -> OutTable {
        OutTable {
            headings: columns.iter().map(|c| c.to_string()).collect(),
            rows: which
                .iter()
                .map(|&sw| columns.iter().map(|c| ls_cell(sw, c)).collect())
                .collect(),
        }
    }

    fn all_switches() -> OutTable {
        switches(&LS_COLUMNS, &[0, 1])
    }

    fn style(format: Format) -> Style {
        Style {
            format,
            ..Style::default()
        }
    }

    fn rendered(table: &OutTable, style: &Style) -> String {
        let mut s = String::new();
        render(table, style, &mut s);
        s
    }

    #[test]
    fn list_default() {
        // ovn-nbctl list logical_switch
        let expected = format!(
            "_uuid               : {SW0}
acls                : []
copp                : []
dns_records         : []
external_ids        : {{a=b}}
forwarding_groups   : []
load_balancer       : []
load_balancer_group : []
name                : sw0
other_config        : {{\"x:y\"=\"1 2\"}}
ports               : [{P1}]
qos_rules           : []

_uuid               : {SW1}
acls                : []
copp                : []
dns_records         : []
external_ids        : {{\"with,comma\"=\"say \\\"hi\\\" <b>&\"}}
forwarding_groups   : []
load_balancer       : []
load_balancer_group : []
name                : sw1
other_config        : {{}}
ports               : []
qos_rules           : []
"
        );
        assert_eq!(rendered(&all_switches(), &Style::default()), expected);
    }

    #[test]
    fn list_no_headings() {
        // ovn-nbctl --no-headings list logical_switch
        let expected = format!(
            "{SW0}\n[]\n[]\n[]\n{{a=b}}\n[]\n[]\n[]\nsw0\n{{\"x:y\"=\"1 2\"}}\n[{P1}]\n[]\n\n\
             {SW1}\n[]\n[]\n[]\n{{\"with,comma\"=\"say \\\"hi\\\" <b>&\"}}\n[]\n[]\n[]\nsw1\n{{}}\n[]\n[]\n"
        );
        let style = Style {
            headings: false,
            ..Style::default()
        };
        assert_eq!(rendered(&all_switches(), &style), expected);
    }

    #[test]
    fn bare() {
        // ovn-nbctl --bare list logical_switch: empty values are empty lines.
        let expected = format!(
            "{SW0}\n\n\n\na=b\n\n\n\nsw0\nx:y=1 2\n{P1}\n\n\n\
             {SW1}\n\n\n\nwith,comma=say \"hi\" <b>&\n\n\n\nsw1\n\n\n\n"
        );
        assert_eq!(rendered(&all_switches(), &Style::bare()), expected);
        // ovn-nbctl --bare --columns=ports list logical_switch
        let ports = switches(&["ports"], &[0, 1]);
        assert_eq!(rendered(&ports, &Style::bare()), format!("{P1}\n\n\n"));
    }

    #[test]
    fn table() {
        // ovn-nbctl -f table list logical_switch: trailing spaces are trimmed.
        let expected = format!(
            "_uuid                                acls copp dns_records external_ids                     forwarding_groups load_balancer load_balancer_group name other_config  ports                                  qos_rules
------------------------------------ ---- ---- ----------- -------------------------------- ----------------- ------------- ------------------- ---- ------------- -------------------------------------- ---------
{SW0} []   []   []          {{a=b}}                            []                []            []                  sw0  {{\"x:y\"=\"1 2\"}} [{P1}] []
{SW1} []   []   []          {{\"with,comma\"=\"say \\\"hi\\\" <b>&\"}} []                []            []                  sw1  {{}}            []                                     []
"
        );
        assert_eq!(rendered(&all_switches(), &style(Format::Table)), expected);
    }

    #[test]
    fn table_json_cells_and_repeated_columns() {
        // ovn-nbctl -d json -f table --columns=ports,name,_uuid,name list logical_switch
        let t = switches(&["ports", "name", "_uuid", "name"], &[0, 1]);
        let expected = format!(
            "ports                                           name  _uuid                                           name
----------------------------------------------- ----- ----------------------------------------------- -----
[\"uuid\",\"{P1}\"] \"sw0\" [\"uuid\",\"{SW0}\"] \"sw0\"
[\"set\",[]]                                      \"sw1\" [\"uuid\",\"{SW1}\"] \"sw1\"
"
        );
        let s = Style {
            data: DataFormat::Json,
            ..style(Format::Table)
        };
        assert_eq!(rendered(&t, &s), expected);
    }

    #[test]
    fn table_no_headings_bare() {
        // ovn-nbctl -d bare -f table --no-headings --columns=external_ids,name list ...
        let t = switches(&["external_ids", "name"], &[0, 1]);
        let s = Style {
            data: DataFormat::Bare,
            headings: false,
            ..style(Format::Table)
        };
        assert_eq!(
            rendered(&t, &s),
            "a=b                      sw0\nwith,comma=say \"hi\" <b>& sw1\n"
        );
        // ovn-nbctl -f table --no-headings --columns=acls,name,acls list logical_switch
        let t = switches(&["acls", "name", "acls"], &[0, 1]);
        let s = Style {
            headings: false,
            ..style(Format::Table)
        };
        assert_eq!(rendered(&t, &s), "[] sw0 []\n[] sw1 []\n");
    }

    #[test]
    fn csv() {
        // ovn-nbctl -f csv list logical_switch
        let expected = format!(
            "_uuid,acls,copp,dns_records,external_ids,forwarding_groups,load_balancer,load_balancer_group,name,other_config,ports,qos_rules
{SW0},[],[],[],{{a=b}},[],[],[],sw0,\"{{\"\"x:y\"\"=\"\"1 2\"\"}}\",[{P1}],[]
{SW1},[],[],[],\"{{\"\"with,comma\"\"=\"\"say \\\"\"hi\\\"\" <b>&\"\"}}\",[],[],[],sw1,{{}},[],[]
"
        );
        assert_eq!(rendered(&all_switches(), &style(Format::Csv)), expected);
    }

    #[test]
    fn csv_variants() {
        // ovn-nbctl --no-headings -f csv -d bare --columns=name,ports find logical_switch name=sw0
        let t = switches(&["name", "ports"], &[0]);
        let s = Style {
            data: DataFormat::Bare,
            headings: false,
            ..style(Format::Csv)
        };
        assert_eq!(rendered(&t, &s), format!("sw0,{P1}\n"));
        // ovn-nbctl -f csv -d json --columns=_uuid,external_ids,name find logical_switch name=sw1
        let t = switches(&["_uuid", "external_ids", "name"], &[1]);
        let s = Style {
            data: DataFormat::Json,
            ..style(Format::Csv)
        };
        let expected = format!(
            "_uuid,external_ids,name\n\
             \"[\"\"uuid\"\",\"\"{SW1}\"\"]\",\"[\"\"map\"\",[[\"\"with,comma\"\",\"\"say \\\"\"hi\\\"\" <b>&\"\"]]]\",\"\"\"sw1\"\"\"\n"
        );
        assert_eq!(rendered(&t, &s), expected);
    }

    #[test]
    fn json() {
        // ovn-nbctl -f json list logical_switch
        let expected = format!(
            "{{\"data\":[[[\"uuid\",\"{SW0}\"],[\"set\",[]],[\"set\",[]],[\"set\",[]],[\"map\",[[\"a\",\"b\"]]],[\"set\",[]],[\"set\",[]],[\"set\",[]],\"sw0\",[\"map\",[[\"x:y\",\"1 2\"]]],[\"uuid\",\"{P1}\"],[\"set\",[]]],[[\"uuid\",\"{SW1}\"],[\"set\",[]],[\"set\",[]],[\"set\",[]],[\"map\",[[\"with,comma\",\"say \\\"hi\\\" <b>&\"]]],[\"set\",[]],[\"set\",[]],[\"set\",[]],\"sw1\",[\"map\",[]],[\"set\",[]],[\"set\",[]]]],\"headings\":[\"_uuid\",\"acls\",\"copp\",\"dns_records\",\"external_ids\",\"forwarding_groups\",\"load_balancer\",\"load_balancer_group\",\"name\",\"other_config\",\"ports\",\"qos_rules\"]}}\n"
        );
        assert_eq!(rendered(&all_switches(), &style(Format::Json)), expected);
        // ovn-nbctl -d bare -f json --columns=name,ports list logical_switch: -d is ignored.
        let t = switches(&["name", "ports"], &[0, 1]);
        let s = Style {
            data: DataFormat::Bare,
            ..style(Format::Json)
        };
        assert_eq!(
            rendered(&t, &s),
            format!(
                "{{\"data\":[[\"sw0\",[\"uuid\",\"{P1}\"]],[\"sw1\",[\"set\",[]]]],\"headings\":[\"name\",\"ports\"]}}\n"
            )
        );
    }

    #[test]
    fn json_pretty() {
        // ovn-nbctl --pretty -f json --columns=_uuid,external_ids,name,other_config,ports
        //   list logical_switch (a subset of the captured full output, same layout)
        let t = switches(&["_uuid", "external_ids", "name", "ports"], &[0, 1]);
        let s = Style {
            pretty: true,
            ..style(Format::Json)
        };
        let expected = format!(
            r#"{{
  "data": [
    [
      [
        "uuid",
        "{SW0}"],
      [
        "map",
        [
          [
            "a",
            "b"]]],
      "sw0",
      [
        "uuid",
        "{P1}"]],
    [
      [
        "uuid",
        "{SW1}"],
      [
        "map",
        [
          [
            "with,comma",
            "say \"hi\" <b>&"]]],
      "sw1",
      [
        "set",
        []]]],
  "headings": [
    "_uuid",
    "external_ids",
    "name",
    "ports"]}}
"#
        );
        assert_eq!(rendered(&t, &s), expected);
    }

    #[test]
    fn html() {
        // ovn-nbctl -f html --columns=_uuid,external_ids,name,other_config,ports
        //   list logical_switch (rows of the captured full output)
        let t = switches(
            &["_uuid", "external_ids", "name", "other_config", "ports"],
            &[0, 1],
        );
        let expected = format!(
            r##"<table border=1>
  <tr>
    <th>_uuid</th>
    <th>external_ids</th>
    <th>name</th>
    <th>other_config</th>
    <th>ports</th>
  </tr>
  <tr>
    <td><a name="{SW0}">02331214</a></td>
    <td>{{a=b}}</td>
    <td>sw0</td>
    <td>{{&quot;x:y&quot;=&quot;1 2&quot;}}</td>
    <td>[<a href="#{P1}">bc29f6db</a>]</td>
  </tr>
  <tr>
    <td><a name="{SW1}">0bedfeab</a></td>
    <td>{{&quot;with,comma&quot;=&quot;say \&quot;hi\&quot; &lt;b&gt;&amp;&quot;}}</td>
    <td>sw1</td>
    <td>{{}}</td>
    <td>[]</td>
  </tr>
</table>
"##
        );
        assert_eq!(rendered(&t, &style(Format::Html)), expected);
    }

    #[test]
    fn html_json_no_headings() {
        // ovn-nbctl -f html -d json --no-headings --columns=_uuid,ports,name find
        //   logical_switch name=sw0: the _uuid anchor shows the text's first 8 bytes.
        let t = switches(&["_uuid", "ports", "name"], &[0]);
        let s = Style {
            data: DataFormat::Json,
            headings: false,
            ..style(Format::Html)
        };
        let expected = format!(
            r##"<table border=1>
  <tr>
    <td><a name="[&quot;uuid&quot;,&quot;{SW0}&quot;]">[&quot;uuid&quot;,</a></td>
    <td>[&quot;uuid&quot;,&quot;<a href="#{P1}">bc29f6db</a>&quot;]</td>
    <td>&quot;sw0&quot;</td>
  </tr>
</table>
"##
        );
        assert_eq!(rendered(&t, &s), expected);
    }

    #[test]
    fn list_json_cells() {
        // ovn-nbctl -d json --columns=ports,name,other_config list logical_switch
        // (--pretty does not change cells outside -f json)
        let t = switches(&["ports", "name", "other_config"], &[0, 1]);
        let s = Style {
            data: DataFormat::Json,
            pretty: true,
            ..Style::default()
        };
        let expected = format!(
            "ports               : [\"uuid\",\"{P1}\"]\n\
             name                : \"sw0\"\n\
             other_config        : [\"map\",[[\"x:y\",\"1 2\"]]]\n\
             \n\
             ports               : [\"set\",[]]\n\
             name                : \"sw1\"\n\
             other_config        : [\"map\",[]]\n"
        );
        assert_eq!(rendered(&t, &s), expected);
    }

    fn empty_router_table() -> OutTable {
        OutTable {
            headings: [
                "_uuid",
                "copp",
                "enabled",
                "external_ids",
                "load_balancer",
                "load_balancer_group",
                "name",
                "nat",
                "options",
                "policies",
                "ports",
                "static_routes",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: Vec::new(),
        }
    }

    #[test]
    fn empty_tables() {
        // ovn-nbctl -f FORMAT list logical_router, no routers.
        let t = empty_router_table();
        assert_eq!(rendered(&t, &style(Format::List)), "");
        assert_eq!(
            rendered(&t, &style(Format::Table)),
            "_uuid copp enabled external_ids load_balancer load_balancer_group name nat options policies ports static_routes\n\
             ----- ---- ------- ------------ ------------- ------------------- ---- --- ------- -------- ----- -------------\n"
        );
        assert_eq!(
            rendered(&t, &style(Format::Csv)),
            "_uuid,copp,enabled,external_ids,load_balancer,load_balancer_group,name,nat,options,policies,ports,static_routes\n"
        );
        assert_eq!(
            rendered(&t, &style(Format::Json)),
            "{\"data\":[],\"headings\":[\"_uuid\",\"copp\",\"enabled\",\"external_ids\",\"load_balancer\",\"load_balancer_group\",\"name\",\"nat\",\"options\",\"policies\",\"ports\",\"static_routes\"]}\n"
        );
        let pretty = Style {
            pretty: true,
            ..style(Format::Json)
        };
        assert_eq!(
            rendered(&t, &pretty),
            "{\n  \"data\": [],\n  \"headings\": [\n    \"_uuid\",\n    \"copp\",\n    \"enabled\",\n    \"external_ids\",\n    \"load_balancer\",\n    \"load_balancer_group\",\n    \"name\",\n    \"nat\",\n    \"options\",\n    \"policies\",\n    \"ports\",\n    \"static_routes\"]}\n"
        );
        let html = rendered(&t, &style(Format::Html));
        assert!(html.starts_with("<table border=1>\n  <tr>\n    <th>_uuid</th>\n"));
        assert!(html.ends_with("    <th>static_routes</th>\n  </tr>\n</table>\n"));
    }

    #[test]
    fn several_tables() {
        // ovn-nbctl -f FORMAT --columns=name list logical_switch -- list logical_router
        //   -- --columns=name list logical_switch
        let names = switches(&["name"], &[0, 1]);
        let routers = empty_router_table();
        let run = |style: Style| {
            let mut p = Printer::new();
            let mut s = String::new();
            for t in [&names, &routers, &names] {
                p.render(t, &style, &mut s);
            }
            s
        };
        let name = |v: &str| format!("name                : {v}\n");
        let list = format!(
            "{}\n{}\n\n{}\n{}",
            name("sw0"),
            name("sw1"),
            name("sw0"),
            name("sw1")
        );
        assert_eq!(run(Style::default()), list);
        let csv = run(style(Format::Csv));
        assert_eq!(
            csv,
            "name\nsw0\nsw1\n\n_uuid,copp,enabled,external_ids,load_balancer,load_balancer_group,name,nat,options,policies,ports,static_routes\n\nname\nsw0\nsw1\n"
        );
        let table = run(style(Format::Table));
        assert!(table.starts_with("name\n----\nsw0\nsw1\n\n_uuid copp"));
        assert!(table.ends_with("-------------\n\nname\n----\nsw0\nsw1\n"));
        let json = run(style(Format::Json));
        assert!(json.starts_with(
            "{\"data\":[[\"sw0\"],[\"sw1\"]],\"headings\":[\"name\"]}\n{\"data\":[],"
        ));
        let html = run(style(Format::Html));
        assert!(html.contains("</table>\n<table border=1>\n"));
        // ovn-nbctl --bare --columns=name list logical_switch -- --columns=name list ...
        let mut p = Printer::new();
        let mut s = String::new();
        p.render(&names, &Style::bare(), &mut s);
        p.render(&names, &Style::bare(), &mut s);
        assert_eq!(s, "sw0\n\nsw1\n\nsw0\n\nsw1\n");
    }

    #[test]
    fn vsctl_scalars() {
        // ovs-vsctl --columns=name,stp_enable,ports,other_config,fail_mode,datapath_id
        //   list bridge
        let br0_port = "9c028cba-cdbb-462c-8c44-4b4bfe5fffa1";
        let fail_mode = ColumnType::optional(
            BaseType::new(AtomicType::String).with_enum(["standalone", "secure"]),
        );
        let row = vec![
            Cell::new(Datum::from("br0"), ColumnType::scalar(AtomicType::String)),
            Cell::new(Datum::from(true), ColumnType::scalar(AtomicType::Boolean)),
            Cell::new(Datum::set([uuid(br0_port)]), refs("Port")),
            Cell::new(Datum::map([("hwaddr", "00:11:22:33:44:55")]), strmap()),
            Cell::new(Datum::empty_set(), fail_mode),
            Cell::new(Datum::empty_set(), ColumnType::optional(AtomicType::String)),
        ];
        let t = OutTable {
            headings: [
                "name",
                "stp_enable",
                "ports",
                "other_config",
                "fail_mode",
                "datapath_id",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: vec![row],
        };
        assert_eq!(
            rendered(&t, &Style::default()),
            format!(
                "name                : br0\n\
                 stp_enable          : true\n\
                 ports               : [{br0_port}]\n\
                 other_config        : {{hwaddr=\"00:11:22:33:44:55\"}}\n\
                 fail_mode           : []\n\
                 datapath_id         : []\n"
            )
        );
        // ovs-vsctl -f csv / -f json --columns=name,mtu_request,ofport,options,type list interface
        let iface = "d37f59ca-45b5-4f79-bf83-d6456b759253";
        let t = OutTable {
            headings: ["name", "mtu_request", "ofport", "options", "type", "_uuid"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: vec![vec![
                Cell::new(Datum::from("br0"), ColumnType::scalar(AtomicType::String)),
                Cell::new(
                    Datum::from(1500i64),
                    ColumnType::optional(AtomicType::Integer),
                ),
                Cell::new(
                    Datum::empty_set(),
                    ColumnType::optional(AtomicType::Integer),
                ),
                Cell::new(Datum::map([("remote_ip", "1.2.3.4")]), strmap()),
                Cell::new(
                    Datum::from("internal"),
                    ColumnType::scalar(AtomicType::String),
                ),
                Cell::new(
                    Datum::from(uuid(iface)),
                    ColumnType::scalar(AtomicType::Uuid),
                ),
            ]],
        };
        let mut csv_table = t.clone();
        csv_table.headings.pop();
        if let Some(row) = csv_table.rows.first_mut() {
            row.pop();
        }
        assert_eq!(
            rendered(&csv_table, &style(Format::Csv)),
            "name,mtu_request,ofport,options,type\nbr0,1500,[],\"{remote_ip=\"\"1.2.3.4\"\"}\",internal\n"
        );
        assert_eq!(
            rendered(&t, &style(Format::Json)),
            format!(
                "{{\"data\":[[\"br0\",1500,[\"set\",[]],[\"map\",[[\"remote_ip\",\"1.2.3.4\"]]],\"internal\",[\"uuid\",\"{iface}\"]]],\"headings\":[\"name\",\"mtu_request\",\"ofport\",\"options\",\"type\",\"_uuid\"]}}\n"
            )
        );
    }

    #[test]
    fn parse_names() {
        assert_eq!(Style::parse_format("table"), Ok(Format::Table));
        assert_eq!(Style::parse_format("list"), Ok(Format::List));
        assert_eq!(Style::parse_format("html"), Ok(Format::Html));
        assert_eq!(Style::parse_format("csv"), Ok(Format::Csv));
        assert_eq!(Style::parse_format("json"), Ok(Format::Json));
        // ovn-nbctl -f foo list nb_global: `ovn-nbctl: unknown output format "foo"`
        assert_eq!(
            Style::parse_format("foo"),
            Err("unknown output format \"foo\"".to_string())
        );
        assert!(Style::parse_format("Table").is_err());
        assert_eq!(Style::parse_data("string"), Ok(DataFormat::String));
        assert_eq!(Style::parse_data("bare"), Ok(DataFormat::Bare));
        assert_eq!(Style::parse_data("json"), Ok(DataFormat::Json));
        // ovn-nbctl -d foo list nb_global: `ovn-nbctl: unknown data format "foo"`
        assert_eq!(
            Style::parse_data("foo"),
            Err("unknown data format \"foo\"".to_string())
        );
    }

    #[test]
    fn cell_text_edge_cases() {
        let real = Cell::new(Datum::from(1.0f64), ColumnType::scalar(AtomicType::Real));
        assert_eq!(cell_to_text(&real, DataFormat::Json), "1");
        assert_eq!(cell_to_text(&real, DataFormat::String), "1");
        let set = Cell::new(
            Datum::set(["b", "a"]),
            ColumnType::set(AtomicType::String, 0, Max::Unlimited),
        );
        assert_eq!(cell_to_text(&set, DataFormat::String), "[a, b]");
        assert_eq!(cell_to_text(&set, DataFormat::Bare), "a b");
        assert_eq!(cell_to_text(&set, DataFormat::Json), r#"["set",["a","b"]]"#);
        let one = Cell::new(
            Datum::set(["a"]),
            ColumnType::set(AtomicType::String, 0, Max::Unlimited),
        );
        assert_eq!(cell_to_text(&one, DataFormat::String), "[a]");
        assert_eq!(cell_to_text(&one, DataFormat::Json), r#""a""#);
        // An empty value of the wrong kind takes its brackets from the column type.
        let map = Cell::new(Datum::empty_set(), strmap());
        assert_eq!(cell_to_text(&map, DataFormat::String), "{}");
        assert_eq!(cell_to_text(&map, DataFormat::Json), r#"["map",[]]"#);
        let named = Cell::new(
            Datum::from(Atom::named_uuid("row")),
            ColumnType::scalar(AtomicType::Uuid),
        );
        assert_eq!(
            cell_to_text(&named, DataFormat::Json),
            r#"["named-uuid","row"]"#
        );
        // A short row: missing cells are empty text, null in JSON.
        let t = OutTable {
            headings: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::new(
                Datum::from(1i64),
                ColumnType::scalar(AtomicType::Integer),
            )]],
        };
        assert_eq!(
            rendered(&t, &style(Format::Json)),
            "{\"data\":[[1,null]],\"headings\":[\"a\",\"b\"]}\n"
        );
        assert_eq!(rendered(&t, &style(Format::Table)), "a b\n- -\n1\n");
        // Multi-byte text pads by bytes, as C's %-*s does.
        let t = OutTable {
            headings: vec!["x".into(), "y".into()],
            rows: vec![
                vec![
                    Cell::new(Datum::from("é"), ColumnType::scalar(AtomicType::String)),
                    Cell::new(Datum::from("z"), ColumnType::scalar(AtomicType::String)),
                ],
                vec![
                    Cell::new(Datum::from("ab"), ColumnType::scalar(AtomicType::String)),
                    Cell::new(Datum::from("z"), ColumnType::scalar(AtomicType::String)),
                ],
            ],
        };
        let s = Style {
            data: DataFormat::Bare,
            ..style(Format::Table)
        };
        assert_eq!(rendered(&t, &s), "x  y\n-- -\né z\nab z\n");
    }
}
