//! Minimal fixed-width table rendering shared by the `to_text` reports.

/// A table with a header row; columns are right-aligned except the first.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column titles.
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    /// Appends a row (cells beyond the header are ignored).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with two spaces between columns.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in width.iter_mut().zip(r.iter().take(n)) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::from("  ");
            for (j, (c, w)) in cells.iter().zip(&width).enumerate() {
                if j > 0 {
                    s.push_str("  ");
                }
                if j == 0 {
                    s.push_str(&format!("{c:<w$}"));
                } else {
                    s.push_str(&format!("{c:>w$}"));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// A number with 4 decimals (clinical scales are reported at that precision).
pub fn fmt_num(x: f64) -> String {
    format!("{x:.4}")
}

/// A p-value: 4 decimals, or `<.0001`.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 { "<.0001".to_string() } else { format!("{p:.4}") }
}
