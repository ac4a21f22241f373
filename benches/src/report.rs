//! Markdown output: tables and number formats.

/// A Markdown table; the first column is left-aligned, the others right-aligned.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are left empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as Markdown, ending with a newline.
    pub fn render(&self) -> String {
        let mut s = format!("| {} |\n|", self.header.join(" | "));
        for i in 0..self.header.len() {
            s.push_str(if i == 0 { "---|" } else { "---:|" });
        }
        s.push('\n');
        for row in &self.rows {
            let cells: Vec<&str> = (0..self.header.len())
                .map(|i| row.get(i).map_or("", String::as_str))
                .collect();
            s.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        s
    }
}

/// A ratio as `12.3x` (`2.05x` below 10, `n/a` when not finite).
pub fn fmt_ratio(r: f64) -> String {
    if !r.is_finite() {
        "n/a".into()
    } else if r < 10.0 {
        format!("{r:.2}x")
    } else {
        format!("{r:.1}x")
    }
}

/// A goal line: `met` / `NOT met`.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**NOT met**"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec!["x".into(), "1".into()]);
        t.row(vec!["y".into()]);
        assert_eq!(t.render(), "| a | b |\n|---|---:|\n| x | 1 |\n| y |  |\n");
    }

    #[test]
    fn formats_ratios() {
        assert_eq!(fmt_ratio(2.054), "2.05x");
        assert_eq!(fmt_ratio(31.26), "31.3x");
        assert_eq!(fmt_ratio(f64::NAN), "n/a");
    }
}
